package dev.lore.agents.simulation;

import java.sql.SQLException;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.support.TransactionTemplate;

import com.zaxxer.hikari.HikariDataSource;

import dev.lore.agents.Agent;
import dev.lore.agents.AgentModel;
import dev.lore.agents.ModelCalls;
import dev.lore.agents.ModelUse;
import dev.lore.agents.memory.ImportanceRater;
import dev.lore.agents.memory.Weights;
import dev.lore.web.DatabaseOutage;
import dev.lore.web.LoreException;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs simulation steps, exactly once each. No scheduler can promise that a step whose executor died is not run
 * again, so the promise is kept here, in the database: a step is a row under a unique (simulation, step) key, made
 * with the world as it was when the step began; each agent's part is one transaction holding its effects and its
 * checkpoint row, made after its model calls and never across one (a slow model must not hold the pool's
 * connections and the agents' rows); the step's end is one more. A step resumed after a crash (by any instance)
 * skips the agents that have a checkpoint and perceives the same world, so nothing is applied twice and nothing is
 * lost. One stepper at a time holds a simulation ({@link SimulationLeases}); every commit is fenced on its lease.
 */
@Component
public class Stepper {

    private static final Logger log = LoggerFactory.getLogger(Stepper.class);

    /** One finished step: its number, the simulation time its agents acted at, their events and the model use. */
    public record StepDone(long step, LocalDateTime at, LocalDateTime clock, List<SimulationEvent> events,
            ModelUse.Usage usage) {
    }

    /** What a request's steps did: the clock and step after them, all their events and the model use summed. */
    public record Run(LocalDateTime clock, long step, int stepsRun, List<SimulationEvent> events,
            ModelUse.Usage usage) {
    }

    enum TickOutcome {
        STEPPED, SKIPPED, FAILED, PAUSED, GONE
    }

    /** The instance is shutting down: the step stops between two agents and is resumed later, not failed. */
    static final class Stopped extends RuntimeException {

        Stopped(UUID simulationId) {
            super("this instance is shutting down; step of simulation " + simulationId + " resumes later");
        }
    }

    private record Opened(long step, LocalDateTime at, int stepMinutes, Weights weights,
            List<AgentTurn.Presence> world, boolean resumed) {
    }

    /**
     * A turn makes at most a few dozen model calls (day plan, decision, eight conversation lines, re-plan,
     * reflection, their ratings and embeddings), each one pass; far more passes mean passes that keep taking new ways.
     */
    private static final int MAX_PASSES = 200;

    /** Tries of a step's database work that found no free connection, and the pause after each (times the try). */
    private static final int CONNECTION_TRIES = 3;
    private static final Duration CONNECTION_BACKOFF = Duration.ofMillis(250);

    /** Hikari's default, for a data source that does not say. */
    private static final int DEFAULT_POOL_SIZE = 10;

    /** A failed step's reason when the database was out, instead of the JDBC driver's words. */
    private static final String DATABASE_UNAVAILABLE = "The database was unavailable during this step; the next step "
            + "or tick resumes it";

    private static final TypeReference<List<AgentTurn.Presence>> WORLD = new TypeReference<>() {
    };
    private static final TypeReference<List<SimulationEvent>> EVENTS = new TypeReference<>() {
    };

    private final JdbcClient jdbc;
    private final AgentModel model;
    private final TransactionTemplate transactions;
    private final SimulationLeases leases;
    private final AgentTurn turn;
    private final ImportanceRater rater;
    private final SimulationProperties properties;
    private final JsonMapper json;
    private final MeterRegistry meters;
    private final SimulationMeters simulationMeters;
    private final DistributionSummary agentCalls;
    private final Timer stepTime;
    private final Semaphore connections;
    private volatile boolean stopping;

    Stepper(JdbcClient jdbc, TransactionTemplate transactions, SimulationLeases leases, AgentTurn turn,
            ImportanceRater rater, SimulationProperties properties, JsonMapper json, MeterRegistry meters,
            SimulationMeters simulationMeters, DataSource dataSource, AgentModel model) {
        this.jdbc = jdbc;
        this.model = model;
        this.transactions = transactions;
        this.leases = leases;
        this.turn = turn;
        this.rater = rater;
        this.properties = properties;
        this.json = json;
        this.meters = meters;
        this.simulationMeters = simulationMeters;
        this.agentCalls = DistributionSummary.builder("lore.simulation.agent.llm.calls")
                .description("Model calls of one agent's part of a step").register(meters);
        this.stepTime = Timer.builder("lore.simulation.step.duration").description("Time a simulation step took")
                .register(meters);
        this.connections = new Semaphore(Math.max(1, poolSize(dataSource) / 2), true);
    }

    private static int poolSize(DataSource dataSource) {
        try {
            return dataSource.isWrapperFor(HikariDataSource.class)
                    ? dataSource.unwrap(HikariDataSource.class).getMaximumPoolSize() : DEFAULT_POOL_SIZE;
        }
        catch (SQLException e) {
            return DEFAULT_POOL_SIZE;
        }
    }

    /**
     * Called as the context starts closing, before the scheduler waits for its running ticks: steps stop at the next
     * agent, with their lease handed back, instead of being interrupted inside a model call.
     */
    @EventListener(ContextClosedEvent.class)
    void closing() {
        stopping = true;
    }

    /**
     * Runs {@code steps} steps for a request (an unfinished step left by a stopped instance is finished first and
     * counts as one); a 409 when another stepper holds the simulation, a 400 when no generator is configured.
     */
    public Run step(UUID simulationId, int steps) {
        model.requireGenerator();
        SimulationLeases.Lease lease = leases.acquire(simulationId).orElseThrow(() -> busy(simulationId));
        List<StepDone> done = new ArrayList<>();
        try {
            while (done.size() < steps) {
                done.add(runStep(lease));
            }
        }
        catch (SimulationLeases.LeaseLost e) {
            throw LoreException.conflict("simulation-taken-over", "Simulation taken over", e.getMessage());
        }
        catch (Stopped e) {
            throw LoreException.unavailable("shutting-down", "Shutting down", e.getMessage() + "; " + done.size()
                    + " of " + steps + " step(s) were done", Duration.ofSeconds(5));
        }
        finally {
            leases.release(lease);
        }
        StepDone last = done.get(done.size() - 1);
        return new Run(last.clock(), last.step(), done.size(),
                done.stream().flatMap(step -> step.events().stream()).toList(),
                new ModelUse.Usage(done.stream().mapToLong(step -> step.usage().llmCalls()).sum(),
                        done.stream().mapToLong(step -> step.usage().promptTokens()).sum(),
                        done.stream().mapToLong(step -> step.usage().completionTokens()).sum()));
    }

    /** One scheduled tick: a step, unless another stepper holds the simulation (the tick is then skipped). */
    TickOutcome tick(UUID simulationId) {
        String status = jdbc.sql("SELECT status FROM simulations WHERE id = :id").param("id", simulationId)
                .query(String.class).optional().orElse(null);
        if (status == null) {
            return TickOutcome.GONE;
        }
        if (!status.equals("running")) {
            return TickOutcome.PAUSED;
        }
        SimulationLeases.Lease lease = leases.acquire(simulationId).orElse(null);
        if (lease == null) {
            skipped(simulationId, 1);
            log.info("Simulation {}: tick skipped, a step is still running", simulationId);
            return TickOutcome.SKIPPED;
        }
        try {
            runStep(lease);
            return TickOutcome.STEPPED;
        }
        catch (SimulationLeases.LeaseLost | Stopped e) {
            log.warn("{}", e.getMessage());
            return TickOutcome.SKIPPED;
        }
        catch (RuntimeException e) {
            return TickOutcome.FAILED;
        }
        finally {
            leases.release(lease);
        }
    }

    /** Counts ticks that found the simulation busy, or that fell while a long step ran. */
    void skipped(UUID simulationId, long ticks) {
        if (ticks <= 0) {
            return;
        }
        jdbc.sql("UPDATE simulations SET skipped_ticks = skipped_ticks + :n WHERE id = :id").param("n", ticks)
                .param("id", simulationId).update();
        simulationMeters.skipped(simulationId, ticks);
    }

    private StepDone runStep(SimulationLeases.Lease lease) {
        UUID simulationId = lease.simulationId();
        Timer.Sample sample = Timer.start(meters);
        Opened opened = withConnection(lease, () -> transactions.execute(status -> open(lease)));
        ModelUse spent = new ModelUse();
        try {
            if (opened.resumed()) {
                log.info("Simulation {}: resuming step {} left unfinished", simulationId, opened.step());
            }
            List<AgentTurn.Member> pending = withConnection(lease, () -> pending(simulationId, opened));
            Map<UUID, UUID> talking = withConnection(lease, () -> talking(simulationId, opened.step()));
            Map<String, ImportanceRater.Rating> ratings = rateTogether(pending, opened, spent);
            for (AgentTurn.Member member : pending) {
                if (lease.isLost()) {
                    throw new SimulationLeases.LeaseLost(simulationId);
                }
                if (stopping) {
                    throw new Stopped(simulationId);
                }
                AgentTurn.Context context = new AgentTurn.Context(simulationId, opened.step(), opened.at(),
                        opened.weights(), opened.world(), ratings, Map.copyOf(talking),
                        // only an agent that perceived something new decides whom to talk to
                        AgentTurn.fresh(member, presence(opened, member.agent().id()), opened.world()).isEmpty()
                                ? Set.of() : withConnection(lease,
                                        () -> cooledDown(simulationId, member.agent().id(), opened.at())));
                ModelCalls.Journal journal = new ModelCalls.Journal();
                AgentTurn.Outcome outcome;
                try {
                    outcome = play(lease, opened.step(), member, context, journal);
                }
                catch (RuntimeException e) {
                    // the agent's effects rolled back, but the calls it made were spent
                    spent.add(journal.spent().total());
                    throw e;
                }
                if (outcome.talkedWith() != null) {
                    talking.put(member.agent().id(), outcome.talkedWith());
                    talking.put(outcome.talkedWith(), member.agent().id());
                }
                count(simulationId, journal.spent().total());
                agentCalls.record(journal.spent().calls());
                outcome.events().stream().filter(event -> event.unreadable() != null)
                        .forEach(event -> event.unreadable().forEach(model::countUnreadable));
            }
            StepDone done = withConnection(lease,
                    () -> transactions.execute(status -> finish(lease, opened, spent.total())));
            count(simulationId, spent.total());
            sample.stop(stepTime);
            meters.counter("lore.simulation.steps", "outcome", "done").increment();
            log.info("Simulation {}: step {} done at {} ({} model calls)", simulationId, done.step(), done.at(),
                    done.usage().llmCalls());
            return done;
        }
        catch (SimulationLeases.LeaseLost | Stopped e) {
            throw e;
        }
        catch (RuntimeException e) {
            failed(lease, opened, e, spent);
            throw e;
        }
    }

    /**
     * One agent's part of the step, in passes ({@link ModelCalls}): each pass runs the turn in a short transaction
     * that rolls back at the first model call not made yet; the call is then made with no transaction open and no
     * connection held, and the turn runs again with its answer. The pass that needs no new call commits all of the
     * agent's writes with its checkpoint row, fenced on the lease: nothing of a turn whose lease was lost is
     * written, and every call is made once.
     */
    private AgentTurn.Outcome play(SimulationLeases.Lease lease, long step, AgentTurn.Member member,
            AgentTurn.Context context, ModelCalls.Journal journal) {
        for (int pass = 1; ; pass++) {
            if (lease.isLost()) {
                throw new SimulationLeases.LeaseLost(lease.simulationId());
            }
            if (pass > MAX_PASSES) {
                throw new IllegalStateException("the turn of agent " + member.agent().name() + " still asked for"
                        + " new model calls after " + MAX_PASSES + " passes");
            }
            try {
                return withConnection(lease, () -> journal.pass(() -> transactions.execute(status -> {
                    AgentTurn.Outcome acted = turn.act(context, member, new ModelUse());
                    leases.fence(lease);
                    checkpoint(lease, step, member.agent(), acted, journal.spent().total());
                    return acted;
                })));
            }
            catch (ModelCalls.Unanswered unanswered) {
                unanswered.call();
            }
        }
    }

    /**
     * {@code work} against the database, with one of the connections steps may use at once (half of the pool, so
     * that however many simulations step, searches and heartbeats find a connection), tried again when it could not
     * get one within the pool's timeout (so nothing of it ran): under a burst of steppers, a turn with its model
     * answers in hand waits for its write instead of failing the step and having its calls made again when the step
     * resumes. A few tries, while the lease holds and the instance is not stopping; a database that stays
     * unreachable fails the step as before.
     */
    private <T> T withConnection(SimulationLeases.Lease lease, Supplier<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return withShare(lease, work);
            }
            catch (CannotCreateTransactionException | CannotGetJdbcConnectionException e) {
                if (attempt >= CONNECTION_TRIES || lease.isLost() || stopping) {
                    throw e;
                }
                log.info("Simulation {}: no database connection free ({}), trying again", lease.simulationId(),
                        e.getMessage());
                try {
                    Thread.sleep(CONNECTION_BACKOFF.multipliedBy(attempt).toMillis());
                }
                catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private <T> T withShare(SimulationLeases.Lease lease, Supplier<T> work) {
        try {
            if (!connections.tryAcquire(properties.staleAfter().toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the database is too busy: simulation " + lease.simulationId()
                        + " waited " + properties.staleAfter().toSeconds() + " s for a connection");
            }
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Stopped(lease.simulationId());
        }
        try {
            return work.get();
        }
        finally {
            connections.release();
        }
    }

    /** The step to run: the unfinished one (resumed), else the next, created with the world as it is now. */
    private Opened open(SimulationLeases.Lease lease) {
        UUID simulationId = lease.simulationId();
        leases.fence(lease);
        Map<String, Object> simulation = jdbc.sql("""
                SELECT step, clock, step_minutes, recency_weight::float8 AS recency,
                       importance_weight::float8 AS importance, relevance_weight::float8 AS relevance
                FROM simulations WHERE id = :id""").param("id", simulationId).query().singleRow();
        Weights weights = new Weights(((Number) simulation.get("recency")).doubleValue(),
                ((Number) simulation.get("importance")).doubleValue(),
                ((Number) simulation.get("relevance")).doubleValue());
        int stepMinutes = ((Number) simulation.get("step_minutes")).intValue();
        List<Opened> unfinished = jdbc.sql("""
                UPDATE simulation_steps SET runs = runs + 1, error = NULL
                WHERE simulation_id = :id AND finished_at IS NULL RETURNING step, clock, world::text AS world""")
                .param("id", simulationId)
                .query((rs, row) -> new Opened(rs.getLong("step"), rs.getObject("clock", LocalDateTime.class),
                        stepMinutes, weights, json.readValue(rs.getString("world"), WORLD), true))
                .list();
        if (!unfinished.isEmpty()) {
            return unfinished.get(0);
        }
        long step = ((Number) simulation.get("step")).longValue() + 1;
        LocalDateTime at = ((java.sql.Timestamp) simulation.get("clock")).toLocalDateTime();
        List<AgentTurn.Presence> world = jdbc.sql("""
                SELECT id, name, location, action FROM agents WHERE simulation_id = :id ORDER BY created_at, name""")
                .param("id", simulationId)
                .query((rs, row) -> new AgentTurn.Presence(rs.getObject("id", UUID.class), rs.getString("name"),
                        rs.getString("location"), rs.getString("action")))
                .list();
        jdbc.sql("""
                INSERT INTO simulation_steps (simulation_id, step, clock, started_at, started_by, world)
                VALUES (:id, :step, CAST(:at AS timestamp), clock_timestamp(), :instance, CAST(:world AS jsonb))""")
                .param("id", simulationId).param("step", step).param("at", at).param("instance", leases.instance())
                .param("world", json.writeValueAsString(world)).update();
        return new Opened(step, at, stepMinutes, weights, world, false);
    }

    /** The agents of the step's world that have not done their part yet, in the world's order. */
    private List<AgentTurn.Member> pending(UUID simulationId, Opened opened) {
        Set<UUID> done = new HashSet<>(jdbc.sql("""
                SELECT agent_id FROM simulation_step_agents WHERE simulation_id = :id AND step = :step""")
                .param("id", simulationId).param("step", opened.step()).query(UUID.class).list());
        Map<UUID, AgentTurn.Member> members = new HashMap<>();
        jdbc.sql("""
                SELECT id, simulation_id, name, traits, location, plan::text AS plan, action, perceived
                FROM agents WHERE simulation_id = :id""")
                .param("id", simulationId)
                .query((rs, row) -> new AgentTurn.Member(new Agent(rs.getObject("id", UUID.class),
                        rs.getObject("simulation_id", UUID.class), rs.getString("name"), rs.getString("traits"),
                        rs.getString("location")), rs.getString("plan"), rs.getString("action"),
                        new LinkedHashSet<>(Arrays.asList((String[]) rs.getArray("perceived").getArray()))))
                .list().forEach(member -> members.put(member.agent().id(), member));
        return opened.world().stream().map(presence -> members.get(presence.agentId()))
                .filter(member -> member != null && !done.contains(member.agent().id())).toList();
    }

    /**
     * Every pending agent's new observations rated in one call (the same sight, seen by two agents, rated once),
     * instead of a call per agent.
     */
    private Map<String, ImportanceRater.Rating> rateTogether(List<AgentTurn.Member> pending, Opened opened,
            ModelUse spent) {
        List<String> texts = pending.stream()
                .flatMap(member -> AgentTurn.fresh(member, presence(opened, member.agent().id()), opened.world())
                        .stream())
                .distinct().toList();
        if (texts.isEmpty()) {
            return Map.of();
        }
        List<ImportanceRater.Rating> rated = rater.rate(texts, spent);
        Map<String, ImportanceRater.Rating> ratings = new HashMap<>();
        for (int i = 0; i < texts.size(); i++) {
            ratings.put(texts.get(i), rated.get(i));
        }
        return ratings;
    }

    private static AgentTurn.Presence presence(Opened opened, UUID agentId) {
        return opened.world().stream().filter(presence -> presence.agentId().equals(agentId)).findFirst()
                .orElseThrow();
    }

    /** Who talks with whom in this step so far, both ways. */
    private Map<UUID, UUID> talking(UUID simulationId, long step) {
        Map<UUID, UUID> talking = new HashMap<>();
        jdbc.sql("""
                SELECT agent_id, talked_with FROM simulation_step_agents
                WHERE simulation_id = :id AND step = :step AND talked_with IS NOT NULL""")
                .param("id", simulationId).param("step", step)
                .query((rs, row) -> {
                    UUID agent = rs.getObject("agent_id", UUID.class);
                    UUID other = rs.getObject("talked_with", UUID.class);
                    talking.put(agent, other);
                    talking.put(other, agent);
                    return agent;
                }).list();
        return talking;
    }

    /** The agents {@code agentId} talked with within the conversation cool-down before {@code at}. */
    private Set<UUID> cooledDown(UUID simulationId, UUID agentId, LocalDateTime at) {
        return new HashSet<>(jdbc.sql("""
                SELECT CASE WHEN a.agent_id = :agent THEN a.talked_with ELSE a.agent_id END
                FROM simulation_step_agents a
                JOIN simulation_steps s ON s.simulation_id = a.simulation_id AND s.step = a.step
                WHERE a.simulation_id = :id AND (a.agent_id = :agent OR a.talked_with = :agent)
                  AND a.talked_with IS NOT NULL
                  AND s.clock > CAST(:at AS timestamp) - make_interval(mins => :cooldown)""")
                .param("agent", agentId).param("id", simulationId).param("at", at)
                .param("cooldown", properties.conversationCooldown()).query(UUID.class).list());
    }

    private void checkpoint(SimulationLeases.Lease lease, long step, Agent agent, AgentTurn.Outcome outcome,
            ModelUse.Usage usage) {
        jdbc.sql("""
                INSERT INTO simulation_step_agents (simulation_id, step, agent_id, events, talked_with, instance,
                                                    finished_at, llm_calls, prompt_tokens, completion_tokens)
                VALUES (:id, :step, :agent, CAST(:events AS jsonb), :talkedWith, :instance, clock_timestamp(),
                        :calls, :prompt, :completion)""")
                .param("id", lease.simulationId()).param("step", step).param("agent", agent.id())
                .param("events", json.writeValueAsString(outcome.events())).param("talkedWith", outcome.talkedWith())
                .param("instance", leases.instance()).param("calls", usage.llmCalls())
                .param("prompt", usage.promptTokens()).param("completion", usage.completionTokens()).update();
    }

    /** Closes the step: its events in the world's order, its model use, and the simulation's clock moved on. */
    private StepDone finish(SimulationLeases.Lease lease, Opened opened, ModelUse.Usage shared) {
        leases.fence(lease);
        UUID simulationId = lease.simulationId();
        record Part(UUID agentId, List<SimulationEvent> events, long calls, long prompt, long completion) {
        }
        List<Part> parts = jdbc.sql("""
                SELECT agent_id, events::text AS events, llm_calls, prompt_tokens, completion_tokens
                FROM simulation_step_agents WHERE simulation_id = :id AND step = :step""")
                .param("id", simulationId).param("step", opened.step())
                .query((rs, row) -> new Part(rs.getObject("agent_id", UUID.class),
                        json.readValue(rs.getString("events"), EVENTS), rs.getLong("llm_calls"),
                        rs.getLong("prompt_tokens"), rs.getLong("completion_tokens")))
                .list();
        List<UUID> order = opened.world().stream().map(AgentTurn.Presence::agentId).toList();
        List<SimulationEvent> events = parts.stream()
                .sorted(Comparator.comparingInt(part -> order.indexOf(part.agentId())))
                .flatMap(part -> part.events().stream()).toList();
        Map<String, Object> step = jdbc.sql("""
                UPDATE simulation_steps
                SET finished_at = clock_timestamp(), instance = :instance, events = CAST(:events AS jsonb),
                    shared_llm_calls = shared_llm_calls + :sharedCalls,
                    shared_prompt_tokens = shared_prompt_tokens + :sharedPrompt,
                    shared_completion_tokens = shared_completion_tokens + :sharedCompletion,
                    llm_calls = shared_llm_calls + :sharedCalls + :calls,
                    prompt_tokens = shared_prompt_tokens + :sharedPrompt + :prompt,
                    completion_tokens = shared_completion_tokens + :sharedCompletion + :completion
                WHERE simulation_id = :id AND step = :step
                RETURNING llm_calls, prompt_tokens, completion_tokens""")
                .param("instance", leases.instance()).param("events", json.writeValueAsString(events))
                .param("sharedCalls", shared.llmCalls()).param("sharedPrompt", shared.promptTokens())
                .param("sharedCompletion", shared.completionTokens())
                .param("calls", parts.stream().mapToLong(Part::calls).sum())
                .param("prompt", parts.stream().mapToLong(Part::prompt).sum())
                .param("completion", parts.stream().mapToLong(Part::completion).sum())
                .param("id", simulationId).param("step", opened.step()).query().singleRow();
        ModelUse.Usage usage = new ModelUse.Usage(((Number) step.get("llm_calls")).longValue(),
                ((Number) step.get("prompt_tokens")).longValue(), ((Number) step.get("completion_tokens")).longValue());
        LocalDateTime clock = opened.at().plusMinutes(opened.stepMinutes());
        int moved = jdbc.sql("""
                UPDATE simulations
                SET step = :step, clock = CAST(:clock AS timestamp), consecutive_failures = 0,
                    llm_calls = llm_calls + :calls, prompt_tokens = prompt_tokens + :prompt,
                    completion_tokens = completion_tokens + :completion
                WHERE id = :id AND step = :step - 1""")
                .param("step", opened.step()).param("clock", clock).param("calls", usage.llmCalls())
                .param("prompt", usage.promptTokens()).param("completion", usage.completionTokens())
                .param("id", simulationId).update();
        if (moved != 1) {
            throw new IllegalStateException("simulation " + simulationId + " was not at step " + (opened.step() - 1)
                    + " when step " + opened.step() + " finished");
        }
        return new StepDone(opened.step(), opened.at(), clock, events, usage);
    }

    /**
     * Records a failed step: the error on the step (left unfinished, to be resumed) and the simulation, the calls
     * the failed attempt spent, and a pause of the schedule once {@code pause-after-failures} steps failed in a row.
     */
    private void failed(SimulationLeases.Lease lease, Opened opened, RuntimeException failure, ModelUse spent) {
        // an outage is said as one, not as the JDBC driver's words (a rollback that failed, a pool timeout)
        String reason = DatabaseOutage.causedBy(failure) ? DATABASE_UNAVAILABLE
                : failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        meters.counter("lore.simulation.steps", "outcome", "failed").increment();
        try {
            transactions.executeWithoutResult(status -> {
                leases.fence(lease);
                ModelUse.Usage usage = spent.total();
                jdbc.sql("""
                        UPDATE simulation_steps SET error = :error,
                            shared_llm_calls = shared_llm_calls + :calls,
                            shared_prompt_tokens = shared_prompt_tokens + :prompt,
                            shared_completion_tokens = shared_completion_tokens + :completion
                        WHERE simulation_id = :id AND step = :step AND finished_at IS NULL""")
                        .param("error", reason).param("calls", usage.llmCalls()).param("prompt", usage.promptTokens())
                        .param("completion", usage.completionTokens()).param("id", lease.simulationId())
                        .param("step", opened.step()).update();
                String outcome = jdbc.sql("""
                        UPDATE simulations SET last_error = :error, last_error_at = clock_timestamp(),
                            consecutive_failures = consecutive_failures + 1,
                            status = CASE WHEN status = 'running' AND consecutive_failures + 1 >= :limit
                                          THEN 'paused' ELSE status END,
                            paused_reason = CASE WHEN status = 'running' AND consecutive_failures + 1 >= :limit
                                                 THEN 'paused after ' || (consecutive_failures + 1)
                                                      || ' failed steps in a row: ' || :error
                                                 ELSE paused_reason END
                        WHERE id = :id RETURNING status || ':' || consecutive_failures""")
                        .param("error", reason).param("limit", properties.pauseAfterFailures())
                        .param("id", lease.simulationId()).query(String.class).single();
                log.warn("Simulation {}: step {} failed ({}): {}", lease.simulationId(), opened.step(), outcome,
                        reason);
            });
        }
        catch (RuntimeException e) {
            log.warn("Simulation {}: step {} failed ({}) and the failure could not be recorded: {}",
                    lease.simulationId(), opened.step(), reason, e.getMessage());
        }
        count(lease.simulationId(), spent.total());
    }

    private void count(UUID simulationId, ModelUse.Usage usage) {
        if (usage.llmCalls() == 0) {
            return;
        }
        simulationMeters.spent(simulationId, usage);
    }

    private LoreException busy(UUID simulationId) {
        String by = jdbc.sql("""
                SELECT stepping_by || ' since ' || to_char(stepping_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                FROM simulations WHERE id = :id""").param("id", simulationId).query(String.class).optional()
                .orElse(null);
        return LoreException.conflict("simulation-stepping", "Simulation is stepping",
                "The simulation is already stepping" + (by == null ? "" : " (" + by + ")")
                        + ": wait for it to finish (GET the simulation shows its progress)");
    }
}
