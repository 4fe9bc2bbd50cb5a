package dev.lore.agents;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.lore.agents.memory.MemoryKind;
import dev.lore.agents.memory.MemoryStream;
import dev.lore.agents.memory.NewMemory;
import dev.lore.agents.memory.ScoredMemory;
import dev.lore.agents.memory.StoredMemory;
import dev.lore.web.LoreException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** An agent: what it is, its memory stream, and what it does with it. */
@RestController
@RequestMapping("/api/v1/agents")
class AgentController {

    static final int MAX_TEXT = 4000;
    static final int MAX_MEMORIES_PER_REQUEST = 200;

    private final AgentsAccess access;
    private final MemoryStream memories;
    private final JsonMapper json;

    AgentController(AgentsAccess access, MemoryStream memories, JsonMapper json) {
        this.access = access;
        this.memories = memories;
        this.json = json;
    }

    record MemoryBody(String text, String kind, String at, Double importance) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record MemoryView(UUID id, String kind, String text, double importance, String importanceFrom, LocalDateTime at,
            List<UUID> evidence, ModelUse.Usage usage) {

        static MemoryView of(StoredMemory memory, ModelUse.Usage usage) {
            return new MemoryView(memory.id(), memory.kind().wireName(), memory.text(), memory.importance(),
                    memory.importanceFrom(), memory.at(), memory.evidence(), usage);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record MemoriesAdded(List<MemoryView> memories, ModelUse.Usage usage) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RetrievedMemory(UUID id, String kind, String text, double importance, LocalDateTime at,
            LocalDateTime lastAccessedAt, List<UUID> evidence, ScoredMemory.Scores scores) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AgentView(UUID id, UUID simulationId, String name, String traits, String location, JsonNode plan,
            long memories, double importanceSinceReflection, LocalDateTime clock) {
    }

    @GetMapping("/{id}")
    AgentView get(@PathVariable String id) {
        Agents.Found found = access.agent(id);
        Agent agent = found.agent();
        return new AgentView(agent.id(), agent.simulationId(), agent.name(), agent.traits(), agent.location(),
                found.plan() == null ? null : json.readTree(found.plan()), memories.count(agent.id()),
                memories.importanceSinceReflection(agent.id()), found.clock());
    }

    /**
     * Stores one memory (a JSON object) or several (an array: their importance is rated together, in one model
     * call per batch); {@code at} defaults to the simulation's clock.
     */
    @PostMapping("/{id}/memories")
    ResponseEntity<Object> remember(@PathVariable String id, @RequestBody JsonNode body) {
        Agents.Found found = access.agent(id);
        List<NewMemory> batch = new ArrayList<>();
        if (body.isArray()) {
            if (body.isEmpty() || body.size() > MAX_MEMORIES_PER_REQUEST) {
                throw LoreException.invalid("an array of memories holds 1 to " + MAX_MEMORIES_PER_REQUEST
                        + " memories, this one " + body.size());
            }
            for (int i = 0; i < body.size(); i++) {
                batch.add(memory("[" + i + "].", body.get(i), found.clock()));
            }
        }
        else {
            batch.add(memory("", body, found.clock()));
        }
        ModelUse use = new ModelUse();
        MemoryStream.Added added = memories.add(found.agent().id(), batch, use);
        Object answer = body.isArray()
                ? new MemoriesAdded(added.memories().stream().map(m -> MemoryView.of(m, null)).toList(),
                        use.orNull())
                : MemoryView.of(added.memories().get(0), use.orNull());
        return ResponseEntity.status(HttpStatus.CREATED).body(answer);
    }

    /** The top {@code k} memories by the paper's score, which become accessed at {@code at}. */
    @GetMapping("/{id}/memories")
    List<RetrievedMemory> retrieve(@PathVariable String id, @RequestParam(required = false) String query,
            @RequestParam(required = false) Integer k, @RequestParam(required = false) String at) {
        Agents.Found found = access.agent(id);
        int limit = k == null ? 10 : k;
        if (limit < 1 || limit > 1000) {
            throw LoreException.invalid("k must be between 1 and 1000, was " + limit);
        }
        if (query != null && query.length() > MAX_TEXT) {
            throw LoreException.invalid("query is " + query.length() + " characters long; at most " + MAX_TEXT);
        }
        LocalDateTime time = AgentsAccess.time("at", at, found.clock());
        return memories.retrieve(found.agent().id(), query, limit, time, found.weights()).stream()
                .map(scored -> {
                    StoredMemory memory = scored.memory();
                    return new RetrievedMemory(memory.id(), memory.kind().wireName(), memory.text(),
                            memory.importance(), memory.at(), memory.lastAccessedAt(), memory.evidence(),
                            scored.scores());
                })
                .toList();
    }

    private NewMemory memory(String prefix, JsonNode node, LocalDateTime clock) {
        if (node == null || !node.isObject()) {
            throw LoreException.invalid(prefix + "memory must be a JSON object with text");
        }
        MemoryBody body;
        try {
            body = json.treeToValue(node, MemoryBody.class);
        }
        catch (JacksonException e) {
            throw LoreException.invalid(prefix + "memory has a field of the wrong type: text, kind and at are "
                    + "strings, importance a number from 1 to 10");
        }
        String text = SimulationController.text(prefix + "text", body.text(), MAX_TEXT, true);
        if (body.importance() != null && !(body.importance() >= 1 && body.importance() <= 10)) {
            throw LoreException.invalid(prefix + "importance must be between 1 and 10, was " + body.importance());
        }
        MemoryKind kind = MemoryKind.parse(body.kind());
        return new NewMemory(kind, text, AgentsAccess.time(prefix + "at", body.at(), clock), body.importance(),
                List.of());
    }
}
