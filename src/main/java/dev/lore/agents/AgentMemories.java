package dev.lore.agents;

import java.time.LocalDateTime;
import java.util.List;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.lore.agents.memory.MemoryKind;
import dev.lore.agents.memory.MemoryStream;
import dev.lore.agents.memory.NewMemory;
import dev.lore.agents.memory.StoredMemory;
import dev.lore.agents.reflection.Reflector;
import dev.lore.web.LoreException;

/**
 * An agent's memory stream for callers outside this module (the MCP tools): recall by the paper's score and store a
 * memory, reflecting when the new memories make it due; the caller sees only the agents of its own simulations.
 */
@Component
public class AgentMemories {

    private static final Logger log = LoggerFactory.getLogger(AgentMemories.class);

    /** The most memories one recall returns. */
    public static final int MAX_RECALL = 100;

    /**
     * A recalled memory with its normalised recency and relevance and their weighted {@code total}; relevance is
     * {@code null} for a recall without a query.
     */
    public record Recalled(UUID id, String kind, String text, double importance, LocalDateTime at, double recency,
            Double relevance, double total) {
    }

    /** A stored memory, its importance (rated by the model when not given) and the reflections it set off. */
    public record Remembered(UUID id, String kind, String text, double importance, String importanceFrom,
            LocalDateTime at, List<String> reflections, ModelUse.Usage usage) {
    }

    /** What {@link #store} wrote: the memories, and the reflections they made due ({@code null}: none). */
    record Stored(MemoryStream.Added added, List<StoredMemory> reflections) {
    }

    private final AgentsAccess access;
    private final MemoryStream memories;
    private final Reflector reflector;
    private final AgentsProperties properties;

    AgentMemories(AgentsAccess access, MemoryStream memories, Reflector reflector, AgentsProperties properties) {
        this.access = access;
        this.memories = memories;
        this.reflector = reflector;
        this.properties = properties;
    }

    /** Whether the caller may use agents at all (the {@code agents} permission, or an administrator). */
    public boolean permitted() {
        return access.permitted();
    }

    /** The agent's top {@code k} memories for {@code query} at its simulation's clock; they become accessed then. */
    public List<Recalled> recall(String agentId, String query, int k) {
        Agents.Found found = access.agent(agentId);
        if (k < 1 || k > MAX_RECALL) {
            throw LoreException.invalid("k must be between 1 and " + MAX_RECALL + ", was " + k);
        }
        String text = AgentsAccess.text("query", query, AgentsAccess.MAX_TEXT, false);
        return memories.recall(found.agent().id(), text, k, found.clock(), found.weights()).stream()
                .map(scored -> new Recalled(scored.memory().id(), scored.memory().kind().wireName(),
                        scored.memory().text(), scored.memory().importance(), scored.memory().at(),
                        scored.scores().recency(), scored.scores().relevance(), scored.scores().total()))
                .toList();
    }

    /** Stores one memory at the simulation's clock; {@code importance} {@code null}: the model rates it. */
    public Remembered remember(String agentId, String text, String kind, Double importance) {
        Agents.Found found = access.agent(agentId);
        String checked = AgentsAccess.text("text", text, AgentsAccess.MAX_TEXT, true);
        if (importance != null && !(importance >= 1 && importance <= 10)) {
            throw LoreException.invalid("importance must be between 1 and 10, was " + importance);
        }
        NewMemory memory = new NewMemory(MemoryKind.parse(kind), checked, found.clock(), importance, null, List.of());
        ModelUse use = new ModelUse();
        Stored stored = store(found, List.of(memory), use);
        StoredMemory saved = stored.added().memories().get(0);
        return new Remembered(saved.id(), saved.kind().wireName(), saved.text(), saved.importance(),
                saved.importanceFrom(), saved.at(),
                stored.reflections() == null ? List.of() : stored.reflections().stream().map(StoredMemory::text)
                        .toList(), use.orNull());
    }

    /** Stores the memories and, when their importance makes the agent due, lets it reflect. */
    Stored store(Agents.Found found, List<NewMemory> batch, ModelUse use) {
        MemoryStream.Added added = memories.add(found.agent().id(), batch, use);
        List<StoredMemory> reflections = null;
        if (added.importanceSinceReflection() > properties.reflectionThreshold()) {
            reflections = reflectWhenDue(found, batch, use);
        }
        return new Stored(added, reflections);
    }

    /**
     * The reflection the new memories made due. The memories are committed already, so a reflection that fails for
     * any reason (the model, the database) is logged and left for the next memory to trigger: answering an error
     * here would tell the client nothing was stored, and its retry would store every memory twice.
     */
    private List<StoredMemory> reflectWhenDue(Agents.Found found, List<NewMemory> batch, ModelUse use) {
        LocalDateTime at = batch.stream().map(NewMemory::at).max(LocalDateTime::compareTo).orElse(found.clock());
        try {
            return reflector.reflect(found.agent(), at, found.weights(), use);
        }
        catch (LoreException e) {
            log.warn("Agent {} is due to reflect but could not: {}", found.agent().id(), e.getMessage());
            return null;
        }
        catch (RuntimeException e) {
            log.error("Agent {} is due to reflect but could not; its new memories are stored", found.agent().id(), e);
            return null;
        }
    }
}
