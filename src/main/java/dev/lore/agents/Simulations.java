package dev.lore.agents;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import dev.lore.agents.memory.Weights;

/**
 * Simulations: their own clock, the step length, the stored schedule and the memory score's weights; each belongs to
 * the key that created it.
 */
@Component
public class Simulations {

    /** A simulation as stored; {@code clock} is simulation time. */
    public record Simulation(UUID id, String name, LocalDateTime startsAt, LocalDateTime clock, int stepMinutes,
            long step, String schedule, String status, Weights weights, Instant createdAt) {
    }

    private final JdbcClient jdbc;
    private final Clock clock;

    Simulations(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** A new simulation owned by the key {@code owner}. */
    public Simulation create(String owner, String name, LocalDateTime startsAt, int stepMinutes, String schedule,
            Weights weights) {
        UUID id = UUID.randomUUID();
        Instant now = clock.instant();
        String status = schedule == null ? "paused" : "running";
        jdbc.sql("""
                INSERT INTO simulations (id, key_id, name, starts_at, clock, step_minutes, schedule, status,
                                         recency_weight, importance_weight, relevance_weight, created_at)
                VALUES (:id, :owner, :name, CAST(:startsAt AS timestamp), CAST(:startsAt AS timestamp), :stepMinutes,
                        :schedule, :status, :recency, :importance, :relevance, :now)""")
                .param("id", id).param("owner", owner).param("name", name).param("startsAt", startsAt)
                .param("stepMinutes", stepMinutes)
                .param("schedule", schedule).param("status", status).param("recency", weights.recency())
                .param("importance", weights.importance()).param("relevance", weights.relevance())
                .param("now", Timestamp.from(now)).update();
        return new Simulation(id, name, startsAt, startsAt, stepMinutes, 0, schedule, status, weights, now);
    }

    /**
     * Stores a schedule ({@code null}: paused). Resuming clears a pause that failed steps made, and their count;
     * pausing keeps the count, so the reason for the last pause is not lost.
     */
    public void schedule(UUID id, String cron) {
        jdbc.sql("""
                UPDATE simulations SET schedule = :cron, status = :status, paused_reason = NULL,
                                       consecutive_failures = CASE WHEN CAST(:cron AS text) IS NULL
                                                                   THEN consecutive_failures ELSE 0 END
                WHERE id = :id""")
                .param("cron", cron).param("status", cron == null ? "paused" : "running").param("id", id).update();
    }

    /** Any simulation, whoever owns it: for administrators and the stepper. */
    public Optional<Simulation> find(UUID id) {
        return jdbc.sql("SELECT * FROM simulations WHERE id = :id").param("id", id)
                .query((rs, row) -> simulation(rs)).optional();
    }

    /** The simulation if the key {@code owner} owns it; another key's is as absent as an unknown id. */
    public Optional<Simulation> find(UUID id, String owner) {
        return jdbc.sql("SELECT * FROM simulations WHERE id = :id AND key_id = :owner").param("id", id)
                .param("owner", Objects.requireNonNull(owner, "owner")).query((rs, row) -> simulation(rs)).optional();
    }

    /** A page of every simulation, newest first: for administrators. */
    public List<Simulation> list(int limit, int offset) {
        return page(null, limit, offset);
    }

    /** A page of the simulations the key {@code owner} owns, newest first. */
    public List<Simulation> list(String owner, int limit, int offset) {
        return page(Objects.requireNonNull(owner, "owner"), limit, offset);
    }

    private List<Simulation> page(String owner, int limit, int offset) {
        return jdbc.sql("""
                SELECT * FROM simulations WHERE CAST(:owner AS text) IS NULL OR key_id = :owner
                ORDER BY created_at DESC, id LIMIT :limit OFFSET :offset""")
                .param("owner", owner).param("limit", limit).param("offset", offset)
                .query((rs, row) -> simulation(rs)).list();
    }

    static Simulation simulation(ResultSet rs) throws SQLException {
        return new Simulation(rs.getObject("id", UUID.class), rs.getString("name"),
                rs.getObject("starts_at", LocalDateTime.class), rs.getObject("clock", LocalDateTime.class),
                rs.getInt("step_minutes"), rs.getLong("step"), rs.getString("schedule"), rs.getString("status"),
                new Weights(rs.getDouble("recency_weight"), rs.getDouble("importance_weight"),
                        rs.getDouble("relevance_weight")),
                rs.getTimestamp("created_at").toInstant());
    }
}
