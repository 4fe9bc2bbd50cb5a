package dev.lore.agents.simulation;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.support.CronExpression;
import org.springframework.stereotype.Component;

import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.CompletionHandler;
import com.github.kagkarlsson.scheduler.task.ExecutionContext;
import com.github.kagkarlsson.scheduler.task.TaskDescriptor;
import com.github.kagkarlsson.scheduler.task.TaskInstance;

import dev.lore.security.KeyRevoked;
import dev.lore.web.LoreException;

/**
 * Simulation schedules on db-scheduler: one execution per scheduled simulation (its id the task instance), picked by
 * one instance at a time, revived elsewhere when that instance stops sending heartbeats. The cron itself lives on
 * the simulation's row, read at every tick, so a schedule changed or paused on one instance holds on all of them;
 * the task's data repeats it (as JSON) for whoever reads the scheduler's table.
 */
@Component
public class SimulationSchedules {

    private static final Logger log = LoggerFactory.getLogger(SimulationSchedules.class);

    /** The task's data: the cron the tick was scheduled under. */
    public record Tick(String cron) {
    }

    static final TaskDescriptor<Tick> TICKS = TaskDescriptor.of("simulation-tick", Tick.class);

    private static final int FIRINGS_CHECKED = 50;

    private final JdbcClient jdbc;
    private final SimulationProperties properties;
    private final ObjectProvider<SchedulerClient> scheduler;
    private final ZoneId zone = ZoneId.systemDefault();

    SimulationSchedules(JdbcClient jdbc, SimulationProperties properties, ObjectProvider<SchedulerClient> scheduler) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.scheduler = scheduler;
    }

    /**
     * A schedule as a request gives it: a Spring cron (six fields, seconds first) whose ticks are never closer than
     * {@code min-interval}; {@code null} or blank is no schedule.
     */
    public String validate(String field, String cron) {
        if (cron == null || cron.isBlank()) {
            return null;
        }
        String expression = cron.strip();
        if (expression.length() > 200 || !CronExpression.isValidExpression(expression)) {
            throw LoreException.invalid(field + " must be a Spring cron expression: six fields, seconds first (e.g. "
                    + "'0 */5 * * * *' for every five minutes); '" + shown(expression) + "' is not one"
                    + (expression.split("\\s+").length == 5 ? " (it has five fields: add the seconds)" : ""));
        }
        CronExpression parsed = CronExpression.parse(expression);
        ZonedDateTime previous = parsed.next(ZonedDateTime.now(zone));
        if (previous == null) {
            throw LoreException.invalid(field + " '" + expression + "' never fires");
        }
        for (int i = 0; i < FIRINGS_CHECKED; i++) {
            ZonedDateTime next = parsed.next(previous);
            if (next == null) {
                break;
            }
            Duration gap = Duration.between(previous, next);
            if (gap.compareTo(properties.minInterval()) < 0) {
                throw LoreException.invalid(field + " '" + expression + "' fires " + gap.toMillis()
                        + " ms apart; ticks must be at least " + properties.minInterval().toMillis() + " ms apart");
            }
            previous = next;
        }
        return expression;
    }

    /**
     * Makes the scheduler follow the simulation's stored schedule: the next tick at the cron's next time, or none.
     * A tick running right now cannot be moved; it reads the new schedule when it completes.
     */
    public void follow(UUID simulationId, String cron) {
        SchedulerClient client = scheduler.getIfAvailable();
        if (client == null) {
            log.warn("Simulation {}: the scheduler is disabled (db-scheduler.enabled=false); its schedule is kept "
                    + "but runs only where a scheduler is enabled", simulationId);
            return;
        }
        try {
            if (cron == null) {
                if (client.getScheduledExecution(TICKS.instanceId(simulationId.toString())).isPresent()) {
                    client.cancel(TICKS.instanceId(simulationId.toString()));
                }
                return;
            }
            Instant next = next(cron, Instant.now());
            if (next == null) {
                return;
            }
            TaskInstance<Tick> instance = TICKS.instance(simulationId.toString()).data(new Tick(cron)).build();
            client.schedule(instance, next, SchedulerClient.ScheduleOptions.WHEN_EXISTS_RESCHEDULE);
        }
        catch (RuntimeException e) {
            // the execution is running: its completion reads the simulation's row and follows the new schedule
            log.info("Simulation {}: the running tick will follow the new schedule when it completes ({})",
                    simulationId, e.getMessage());
        }
    }

    /**
     * At start-up, gives every running schedule that has no tick in the scheduler's table one (a schedule stored
     * while this instance's scheduler was off, or a change that lost a race with a completing tick).
     */
    @EventListener(ApplicationReadyEvent.class)
    void reconcile() {
        if (scheduler.getIfAvailable() == null) {
            return;
        }
        record Scheduled(UUID id, String cron) {
        }
        List<Scheduled> orphans = jdbc.sql("""
                SELECT id, schedule FROM simulations s
                WHERE status = 'running' AND schedule IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM scheduled_tasks t WHERE t.task_name = :task AND t.task_instance = s.id::text)""")
                .param("task", TICKS.getTaskName())
                .query((rs, row) -> new Scheduled(rs.getObject("id", UUID.class), rs.getString("schedule"))).list();
        for (Scheduled orphan : orphans) {
            log.info("Simulation {}: its schedule '{}' had no tick in the scheduler; scheduling it", orphan.id(),
                    orphan.cron());
            follow(orphan.id(), orphan.cron());
        }
    }

    /**
     * A revoked key's simulations stop spending model calls: their schedules pause in the revocation's own transaction
     * (an administrator may resume them). A step already running finishes.
     */
    @EventListener
    void ownerRevoked(KeyRevoked revoked) {
        List<UUID> paused = jdbc.sql("""
                UPDATE simulations SET status = 'paused', paused_reason = 'paused: the key that owns it was revoked'
                WHERE key_id = :key AND status = 'running' RETURNING id""")
                .param("key", revoked.keyId()).query(UUID.class).list();
        for (UUID id : paused) {
            log.info("Simulation {}: schedule paused, the key that owns it was revoked", id);
            follow(id, null);
        }
    }

    /** One tick: a step (or a skip), then the next tick at the cron's next time, or none once paused. */
    CompletionHandler<Tick> tick(Stepper stepper, TaskInstance<Tick> instance, ExecutionContext context) {
        UUID simulationId = UUID.fromString(instance.getId());
        Instant due = context.getExecution().executionTime;
        Stepper.TickOutcome outcome = stepper.tick(simulationId);
        String cron = jdbc.sql("SELECT schedule FROM simulations WHERE id = :id AND status = 'running'")
                .param("id", simulationId).query(String.class).optional().orElse(null);
        if (outcome == Stepper.TickOutcome.GONE || cron == null) {
            return (complete, operations) -> operations.remove();
        }
        Instant now = Instant.now();
        if (outcome != Stepper.TickOutcome.SKIPPED) {
            // ticks whose time came while this one's step ran: skipped, not queued
            stepper.skipped(simulationId, firings(cron, due, now));
        }
        Instant next = next(cron, now);
        if (next == null) {
            return (complete, operations) -> operations.remove();
        }
        return (complete, operations) -> operations.reschedule(complete, next, new Tick(cron));
    }

    /** How many times the cron fired after {@code from} up to {@code to}. */
    long firings(String cron, Instant from, Instant to) {
        CronExpression parsed = CronExpression.parse(cron);
        long count = 0;
        ZonedDateTime time = parsed.next(from.atZone(zone));
        while (time != null && !time.toInstant().isAfter(to) && count < 1_000_000) {
            count++;
            time = parsed.next(time);
        }
        return count;
    }

    /** The cron's next time after {@code after}, or {@code null} when it never fires again. */
    Instant next(String cron, Instant after) {
        ZonedDateTime next = CronExpression.parse(cron).next(after.atZone(zone));
        return next == null ? null : next.toInstant();
    }

    private static String shown(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "..." : text;
    }
}
