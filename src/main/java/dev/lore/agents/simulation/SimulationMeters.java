package dev.lore.agents.simulation;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.lore.agents.ModelUse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The meters tagged by simulation ({@code lore.simulation.llm.calls}, {@code lore.simulation.llm.tokens},
 * {@code lore.simulation.ticks.skipped}), kept bounded: series of at most {@code maxSimulations} simulations, those
 * counted least recently dropped first, and a simulation's series go once it no longer exists. Each series is one
 * time series in every scrape for good otherwise, and simulations come and go; the totals stay in the simulation's
 * own row ({@code GET /api/v1/simulations/{id}}) either way.
 */
@Component
class SimulationMeters {

    private static final Logger log = LoggerFactory.getLogger(SimulationMeters.class);
    static final String PREFIX = "lore.simulation.";

    private final MeterRegistry meters;
    private final JdbcClient jdbc;
    private final int maxSimulations;
    /** The simulations that have series, least recently counted first. */
    private final LinkedHashMap<UUID, Boolean> metered = new LinkedHashMap<>(16, 0.75f, true);

    SimulationMeters(MeterRegistry meters, JdbcClient jdbc, SimulationProperties properties) {
        this.meters = meters;
        this.jdbc = jdbc;
        this.maxSimulations = properties.maxMeteredSimulations();
    }

    void skipped(UUID simulationId, long ticks) {
        touch(simulationId);
        Counter.builder(PREFIX + "ticks.skipped").tag("simulation", simulationId.toString())
                .description("Scheduled ticks skipped because a step was still running").register(meters)
                .increment(ticks);
    }

    void spent(UUID simulationId, ModelUse.Usage usage) {
        touch(simulationId);
        String id = simulationId.toString();
        meters.counter(PREFIX + "llm.calls", "simulation", id).increment(usage.llmCalls());
        meters.counter(PREFIX + "llm.tokens", "simulation", id, "type", "prompt").increment(usage.promptTokens());
        meters.counter(PREFIX + "llm.tokens", "simulation", id, "type", "completion")
                .increment(usage.completionTokens());
    }

    /** Removes the series of every metered simulation not in {@code existing}. */
    void retain(Collection<UUID> existing) {
        Set<UUID> keep = Set.copyOf(existing);
        List<UUID> gone;
        synchronized (metered) {
            gone = metered.keySet().stream().filter(id -> !keep.contains(id)).toList();
            gone.forEach(metered::remove);
        }
        gone.forEach(this::remove);
    }

    /** Every so often, drops the series of simulations that have been deleted. */
    @Scheduled(fixedDelayString = "${lore.agents.simulation.metrics-prune-interval:1m}")
    void prune() {
        UUID[] ids;
        synchronized (metered) {
            ids = metered.keySet().toArray(UUID[]::new);
        }
        if (ids.length == 0) {
            return;
        }
        try {
            retain(jdbc.sql("SELECT id FROM simulations WHERE id = ANY(:ids)").param("ids", ids)
                    .query(UUID.class).list());
        }
        catch (RuntimeException e) {
            log.debug("Could not look up metered simulations now: {}", e.getMessage());
        }
    }

    private void touch(UUID simulationId) {
        List<UUID> evicted = new ArrayList<>();
        synchronized (metered) {
            metered.put(simulationId, Boolean.TRUE);
            while (metered.size() > maxSimulations) {
                Map.Entry<UUID, Boolean> eldest = metered.entrySet().iterator().next();
                metered.remove(eldest.getKey());
                evicted.add(eldest.getKey());
            }
        }
        evicted.forEach(this::remove);
    }

    private void remove(UUID simulationId) {
        String id = simulationId.toString();
        meters.getMeters().stream()
                .filter(meter -> meter.getId().getName().startsWith(PREFIX)
                        && id.equals(meter.getId().getTag("simulation")))
                .toList()
                .forEach(meters::remove);
    }

    /** The simulations whose series exist now, for tests. */
    Set<UUID> metered() {
        synchronized (metered) {
            return Set.copyOf(metered.keySet());
        }
    }
}
