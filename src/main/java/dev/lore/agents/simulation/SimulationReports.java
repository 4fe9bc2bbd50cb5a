package dev.lore.agents.simulation;

import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.lore.agents.ModelUse;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** What operators read about simulations: the progress of a running step, the bill, and the steps themselves. */
@Component
class SimulationReports {

    /**
     * The step in progress: which, how many of its agents have done their part, and the instance running it since
     * when; {@code interrupted} when no live instance runs it (it failed, or its instance died): the next step
     * request or tick resumes it.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Stepping(Long step, int agentsDone, int agents, String instance, Instant since, boolean interrupted) {
    }

    /** The simulation's operational state besides its clock. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Operations(Stepping stepping, String lastError, Instant lastErrorAt, int consecutiveFailures,
            String pausedReason, long skippedTicks, ModelUse.Usage usage) {
    }

    /** One step as stored. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record StepView(long step, LocalDateTime clock, Instant startedAt, Instant finishedAt, String startedBy,
            String instance, int runs, String error, List<SimulationEvent> events, ModelUse.Usage usage,
            List<AgentPart> agents) {
    }

    /** One agent's part of a step: its model use and the instance that ran it. */
    record AgentPart(UUID agentId, String instance, ModelUse.Usage usage) {
    }

    private static final TypeReference<List<SimulationEvent>> EVENTS = new TypeReference<>() {
    };

    private final JdbcClient jdbc;
    private final SimulationLeases leases;
    private final JsonMapper json;

    SimulationReports(JdbcClient jdbc, SimulationLeases leases, JsonMapper json) {
        this.jdbc = jdbc;
        this.leases = leases;
        this.json = json;
    }

    Operations operations(UUID simulationId) {
        return jdbc.sql("""
                SELECT s.*, %s AS stale,
                       (SELECT u.step FROM simulation_steps u
                        WHERE u.simulation_id = s.id AND u.finished_at IS NULL) AS unfinished,
                       (SELECT jsonb_array_length(u.world) FROM simulation_steps u
                        WHERE u.simulation_id = s.id AND u.finished_at IS NULL) AS world_size,
                       (SELECT count(*) FROM simulation_step_agents a JOIN simulation_steps u
                          ON u.simulation_id = a.simulation_id AND u.step = a.step
                        WHERE u.simulation_id = s.id AND u.finished_at IS NULL) AS agents_done
                FROM simulations s WHERE s.id = :id""".formatted(leases.lapsed())).param("id", simulationId)
                .query((rs, row) -> {
                    Stepping stepping = null;
                    long unfinished = rs.getLong("unfinished");
                    boolean hasUnfinished = !rs.wasNull();
                    boolean live = rs.getString("stepping_by") != null && !rs.getBoolean("stale");
                    if (live || hasUnfinished) {
                        stepping = new Stepping(hasUnfinished ? unfinished : null, rs.getInt("agents_done"),
                                rs.getInt("world_size"), live ? rs.getString("stepping_by") : null,
                                live ? instant(rs.getTimestamp("stepping_since")) : null, hasUnfinished && !live);
                    }
                    return new Operations(stepping, rs.getString("last_error"),
                            instant(rs.getTimestamp("last_error_at")), rs.getInt("consecutive_failures"),
                            rs.getString("paused_reason"), rs.getLong("skipped_ticks"),
                            new ModelUse.Usage(rs.getLong("llm_calls"), rs.getLong("prompt_tokens"),
                                    rs.getLong("completion_tokens")));
                })
                .single();
    }

    /** Each agent's model use over all finished parts of steps, by agent id. */
    Map<UUID, ModelUse.Usage> usageByAgent(UUID simulationId) {
        Map<UUID, ModelUse.Usage> usage = new java.util.HashMap<>();
        jdbc.sql("""
                SELECT agent_id, sum(llm_calls) AS calls, sum(prompt_tokens) AS prompt,
                       sum(completion_tokens) AS completion
                FROM simulation_step_agents WHERE simulation_id = :id GROUP BY agent_id""")
                .param("id", simulationId)
                .query((rs, row) -> usage.put(rs.getObject("agent_id", UUID.class), new ModelUse.Usage(
                        rs.getLong("calls"), rs.getLong("prompt"), rs.getLong("completion"))))
                .list();
        return usage;
    }

    /**
     * Steps from {@code from} on, in order, at most {@code limit}; an unfinished step shows what is done. The page
     * ends at {@code step - from < limit}: {@code from + limit} overflows a bigint for a {@code from} near its end.
     */
    List<StepView> steps(UUID simulationId, long from, int limit) {
        Map<Long, List<AgentPart>> parts = new java.util.HashMap<>();
        jdbc.sql("""
                SELECT step, agent_id, instance, llm_calls, prompt_tokens, completion_tokens
                FROM simulation_step_agents
                WHERE simulation_id = :id AND step >= :from AND step - :from < :limit ORDER BY step, finished_at""")
                .param("id", simulationId).param("from", from).param("limit", limit)
                .query((rs, row) -> parts.computeIfAbsent(rs.getLong("step"), step -> new java.util.ArrayList<>())
                        .add(new AgentPart(rs.getObject("agent_id", UUID.class), rs.getString("instance"),
                                new ModelUse.Usage(rs.getLong("llm_calls"), rs.getLong("prompt_tokens"),
                                        rs.getLong("completion_tokens")))))
                .list();
        return jdbc.sql("""
                SELECT step, clock, started_at, finished_at, started_by, instance, runs, error, events::text AS events,
                       llm_calls, prompt_tokens, completion_tokens
                FROM simulation_steps WHERE simulation_id = :id AND step >= :from ORDER BY step LIMIT :limit""")
                .param("id", simulationId).param("from", from).param("limit", limit)
                .query((rs, row) -> {
                    long step = rs.getLong("step");
                    String events = rs.getString("events");
                    long calls = rs.getLong("llm_calls");
                    ModelUse.Usage usage = rs.wasNull() ? null : new ModelUse.Usage(calls, rs.getLong("prompt_tokens"),
                            rs.getLong("completion_tokens"));
                    return new StepView(step, rs.getObject("clock", LocalDateTime.class),
                            instant(rs.getTimestamp("started_at")), instant(rs.getTimestamp("finished_at")),
                            rs.getString("started_by"), rs.getString("instance"), rs.getInt("runs"),
                            rs.getString("error"), events == null ? null : json.readValue(events, EVENTS), usage,
                            parts.getOrDefault(step, List.of()));
                })
                .list();
    }

    private static Instant instant(java.sql.Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
