package dev.lore.agents.simulation;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Component;

import dev.lore.jobs.Claims;

/**
 * Who steps a simulation: one stepper at a time, a scheduled tick or a request, holds a lease on the simulation's
 * row, a {@link Claims claim} with this instance's name beside it. A lease whose heartbeat is older than
 * {@code stale-after} belonged to an instance that died: the next stepper takes it over and resumes the unfinished
 * step. Every write of a step is fenced on the lease, so a stepper that only seemed dead (a long pause) cannot commit
 * after its lease was taken.
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
    private final Claims claims;
    private final String instance;
    private final Duration interval;
    private final Map<UUID, Lease> held = new ConcurrentHashMap<>();
    /**
     * The heartbeat's own thread: on the scheduler that every {@code @Scheduled} task of the service shares, a few
     * tasks each waiting for a connection of a busy pool could hold it back past {@code stale-after}, and the lease
     * would lapse under a stepper that is alive.
     */
    private final ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(
            new CustomizableThreadFactory("simulation-heartbeat-"));

    SimulationLeases(JdbcClient jdbc, SimulationProperties properties) {
        this.jdbc = jdbc;
        this.claims = new Claims(jdbc, "simulations", "stepping_token", "stepping_heartbeat",
                "stepping_token IS NOT NULL", "stepping_by = NULL, stepping_since = NULL", properties.staleAfter());
        this.instance = properties.instanceName();
        this.interval = properties.heartbeat();
    }

    @PostConstruct
    void start() {
        beats.scheduleWithFixedDelay(this::heartbeat, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        beats.shutdownNow();
    }

    String instance() {
        return instance;
    }

    String lapsed() {
        return claims.lapsed();
    }

    /** The lease when the simulation is free (or its stepper stopped sending heartbeats), else empty. */
    Optional<Lease> acquire(UUID simulationId) {
        UUID token = UUID.randomUUID();
        int taken = jdbc.sql("""
                UPDATE simulations SET %s, stepping_by = :instance, stepping_since = clock_timestamp()
                WHERE id = :id AND (stepping_token IS NULL OR %s)""".formatted(claims.take(), claims.lapsed()))
                .param("token", token).param("instance", instance).param("id", simulationId).update();
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
        if (!claims.write(lease.token(), lease.simulationId(), "", sql -> sql)) {
            lease.lost().set(true);
            throw new LeaseLost(lease.simulationId());
        }
    }

    void release(Lease lease) {
        held.remove(lease.token());
        try {
            claims.release(lease.token());
        }
        catch (RuntimeException e) {
            // the lease lapses by itself once its heartbeat is stale; the step, if unfinished, is resumed then
            log.warn("Could not release simulation {}: {}", lease.simulationId(), e.getMessage());
        }
    }

    void heartbeat() {
        try {
            for (UUID token : claims.beat(held.keySet())) {
                Lease lease = held.remove(token);
                if (lease != null) {
                    log.warn("Simulation {} was taken over by another instance; this one stops stepping it",
                            lease.simulationId());
                    lease.lost().set(true);
                }
            }
        }
        catch (RuntimeException e) {
            // an exception would end the schedule: the next beat tries again
            log.warn("Simulation heartbeat failed: {}", e.getMessage());
        }
    }
}
