package dev.lore.agents.simulation;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Who steps a simulation: one stepper at a time, a scheduled tick or a request, holds a lease on the simulation's
 * row (a random token, this instance's name, a heartbeat in database time so instances' clocks need not agree).
 * A lease whose heartbeat is older than {@code stale-after} belonged to an instance that died: the next stepper
 * takes it over and resumes the unfinished step. Every write of a step is fenced on the token, so a stepper that
 * only seemed dead (a long pause) cannot commit after its lease was taken.
 */
@Component
class SimulationLeases {

    private static final Logger log = LoggerFactory.getLogger(SimulationLeases.class);

    /** A lease held by this instance; {@code lost} turns true when a heartbeat finds it taken. */
    record Lease(UUID simulationId, UUID token, AtomicBoolean lost) {

        boolean isLost() {
            return lost.get();
        }
    }

    /** Thrown inside a step's transaction when the lease is no longer this stepper's: the transaction rolls back. */
    static final class LeaseLost extends RuntimeException {

        LeaseLost(UUID simulationId) {
            super("simulation " + simulationId + " was taken over by another instance while this one stepped it");
        }
    }

    private final JdbcClient jdbc;
    private final SimulationProperties properties;
    private final String instance;
    private final Map<UUID, Lease> held = new ConcurrentHashMap<>();

    SimulationLeases(JdbcClient jdbc, SimulationProperties properties) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.instance = properties.instanceName();
    }

    String instance() {
        return instance;
    }

    /** The lease when the simulation is free (or its stepper stopped sending heartbeats), else empty. */
    Optional<Lease> acquire(UUID simulationId) {
        UUID token = UUID.randomUUID();
        int taken = jdbc.sql("""
                UPDATE simulations SET stepping_token = :token, stepping_by = :instance,
                                       stepping_since = clock_timestamp(), stepping_heartbeat = clock_timestamp()
                WHERE id = :id AND (stepping_token IS NULL
                                    OR stepping_heartbeat < clock_timestamp() - CAST(:stale AS interval))""")
                .param("token", token).param("instance", instance).param("id", simulationId)
                .param("stale", properties.staleAfter().toMillis() + " milliseconds").update();
        if (taken == 0) {
            return Optional.empty();
        }
        Lease lease = new Lease(simulationId, token, new AtomicBoolean());
        held.put(token, lease);
        return Optional.of(lease);
    }

    /**
     * Confirms, inside the caller's transaction, that the lease is still this stepper's; the row stays locked until
     * the transaction ends, so no takeover can slip between this check and the commit.
     */
    void fence(Lease lease) {
        if (!touch(lease)) {
            lease.lost().set(true);
            throw new LeaseLost(lease.simulationId());
        }
    }

    /** Refreshes the lease's heartbeat; {@code false} when it is no longer this stepper's. */
    private boolean touch(Lease lease) {
        return jdbc.sql("""
                UPDATE simulations SET stepping_heartbeat = clock_timestamp()
                WHERE id = :id AND stepping_token = :token""")
                .param("id", lease.simulationId()).param("token", lease.token()).update() == 1;
    }

    void release(Lease lease) {
        held.remove(lease.token());
        try {
            jdbc.sql("""
                    UPDATE simulations SET stepping_token = NULL, stepping_by = NULL, stepping_since = NULL,
                                           stepping_heartbeat = NULL
                    WHERE id = :id AND stepping_token = :token""")
                    .param("id", lease.simulationId()).param("token", lease.token()).update();
        }
        catch (RuntimeException e) {
            // the lease lapses by itself once its heartbeat is stale; the step, if unfinished, is resumed then
            log.warn("Could not release simulation {}: {}", lease.simulationId(), e.getMessage());
        }
    }

    @Scheduled(fixedDelayString = "${lore.agents.simulation.heartbeat:2s}")
    void heartbeat() {
        for (Lease lease : held.values()) {
            try {
                if (!touch(lease) && held.containsKey(lease.token())) {
                    log.warn("Simulation {} was taken over by another instance; this one stops stepping it",
                            lease.simulationId());
                    lease.lost().set(true);
                    held.remove(lease.token());
                }
            }
            catch (RuntimeException e) {
                log.warn("Could not refresh the heartbeat of simulation {}: {}", lease.simulationId(),
                        e.getMessage());
            }
        }
    }
}
