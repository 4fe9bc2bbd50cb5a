package dev.lore.agents;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.LocalDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import dev.lore.agents.memory.Weights;
import dev.lore.models.Embedder;
import dev.lore.web.LoreException;

/** Agents of a simulation, each seen together with its simulation's clock and score weights. */
@Component
public class Agents {

    /** An agent with what its requests need from the simulation: the clock and the weights. */
    public record Found(Agent agent, LocalDateTime clock, Weights weights, String plan) {
    }

    private final JdbcClient jdbc;
    private final Clock clock;
    private final Embedder embedder;

    Agents(JdbcClient jdbc, Clock clock, Embedder embedder) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.embedder = embedder;
    }

    /** A new agent, recording this instance's embedder as the one that makes its memories. */
    public Agent create(UUID simulationId, String name, String traits, String location) {
        UUID id = UUID.randomUUID();
        try {
            jdbc.sql("""
                    INSERT INTO agents (id, simulation_id, name, traits, location, embedder, dimension, created_at)
                    VALUES (:id, :simulation, :name, :traits, :location, :embedder, :dimension, :now)""")
                    .param("id", id).param("simulation", simulationId).param("name", name).param("traits", traits)
                    .param("location", location).param("embedder", embedder.name())
                    .param("dimension", embedder.dimension()).param("now", Timestamp.from(clock.instant())).update();
        }
        catch (DuplicateKeyException e) {
            throw LoreException.conflict("agent-exists", "Agent exists",
                    "The simulation already has an agent named '" + name + "'");
        }
        return new Agent(id, simulationId, name, traits, location);
    }

    /** Any agent, whoever owns its simulation: for administrators and the stepper. */
    public Optional<Found> find(UUID id) {
        return found(id, null);
    }

    /** The agent if the key {@code owner} owns its simulation; another key's is as absent as an unknown id. */
    public Optional<Found> find(UUID id, String owner) {
        return found(id, Objects.requireNonNull(owner, "owner"));
    }

    private Optional<Found> found(UUID id, String owner) {
        return jdbc.sql("""
                SELECT a.id, a.simulation_id, a.name, a.traits, a.location, a.plan::text AS plan, s.clock,
                       s.recency_weight, s.importance_weight, s.relevance_weight
                FROM agents a JOIN simulations s ON s.id = a.simulation_id
                WHERE a.id = :id AND (CAST(:owner AS text) IS NULL OR s.key_id = :owner)""")
                .param("id", id).param("owner", owner)
                .query((rs, row) -> new Found(new Agent(rs.getObject("id", UUID.class),
                        rs.getObject("simulation_id", UUID.class), rs.getString("name"), rs.getString("traits"),
                        rs.getString("location")), rs.getObject("clock", LocalDateTime.class),
                        new Weights(rs.getDouble("recency_weight"), rs.getDouble("importance_weight"),
                                rs.getDouble("relevance_weight")), rs.getString("plan")))
                .optional();
    }

    public List<Agent> inSimulation(UUID simulationId) {
        return jdbc.sql("""
                SELECT id, simulation_id, name, traits, location FROM agents WHERE simulation_id = :simulation
                ORDER BY created_at, name""")
                .param("simulation", simulationId)
                .query((rs, row) -> new Agent(rs.getObject("id", UUID.class), rs.getObject("simulation_id", UUID.class),
                        rs.getString("name"), rs.getString("traits"), rs.getString("location")))
                .list();
    }

    /** Keeps the agent's current plan (JSON) for {@code GET /api/v1/agents/{id}} and the steps to follow. */
    public void savePlan(UUID agentId, String planJson) {
        jdbc.sql("UPDATE agents SET plan = CAST(:plan AS jsonb) WHERE id = :id").param("plan", planJson)
                .param("id", agentId).update();
    }

    /** What an agent did in a simulation step: its plan, where it is, what it is doing and what it saw. */
    public void acted(UUID agentId, String planJson, String location, String action, Collection<String> perceived) {
        jdbc.sql("""
                UPDATE agents SET plan = CAST(:plan AS jsonb), location = :location, action = :action,
                                  perceived = CAST(:perceived AS text[])
                WHERE id = :id""")
                .param("plan", planJson).param("location", location).param("action", action)
                .param("perceived", perceived.toArray(String[]::new)).param("id", agentId).update();
    }
}
