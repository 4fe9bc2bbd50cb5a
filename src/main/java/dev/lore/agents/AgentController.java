package dev.lore.agents;

import java.time.LocalDate;
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

import io.swagger.v3.oas.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.lore.agents.conversation.Conversations;
import dev.lore.agents.conversation.Interviewer;
import dev.lore.agents.memory.MemoryKind;
import dev.lore.agents.memory.MemoryReembedding;
import dev.lore.agents.memory.MemoryStream;
import dev.lore.agents.memory.NewMemory;
import dev.lore.agents.memory.ScoredMemory;
import dev.lore.agents.memory.StoredMemory;
import dev.lore.agents.planning.DayPlan;
import dev.lore.agents.planning.Planner;
import dev.lore.agents.reflection.Reflector;
import dev.lore.web.Admitted;
import dev.lore.web.LoreException;
import dev.lore.web.Paging;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** An agent: what it is, its memory stream, and what it does with it. */
@RestController
@Tag(name = "Agents")
@RequestMapping("/api/v1/agents")
class AgentController {

    static final int MAX_TEXT = 4000;
    static final int MAX_MEMORIES_PER_REQUEST = 200;

    private final AgentsAccess access;
    private final MemoryStream memories;
    private final JsonMapper json;
    private final Reflector reflector;
    private final Planner planner;
    private final Interviewer interviewer;
    private final Conversations conversations;
    private final Agents agents;
    private final MemoryReembedding reembedding;
    private final AgentMemories agentMemories;

    AgentController(AgentsAccess access, MemoryStream memories, JsonMapper json, Reflector reflector, Planner planner,
            Interviewer interviewer, Conversations conversations, Agents agents,
            MemoryReembedding reembedding, AgentMemories agentMemories) {
        this.agentMemories = agentMemories;
        this.reembedding = reembedding;
        this.access = access;
        this.memories = memories;
        this.json = json;
        this.reflector = reflector;
        this.planner = planner;
        this.interviewer = interviewer;
        this.conversations = conversations;
        this.agents = agents;
    }

    record ReflectionView(UUID id, String text, double importance, LocalDateTime at, List<UUID> evidence) {

        static ReflectionView of(StoredMemory memory) {
            return new ReflectionView(memory.id(), memory.text(), memory.importance(), memory.at(),
                    memory.evidence());
        }
    }

    record AtBody(String at) {
    }

    record PlanBody(String day, String at, String reaction) {
    }

    /** {@code unreadable}: the prompts whose answers could not be read and were replaced by a fallback. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PlanView(LocalDate day, List<DayPlan.Item> items, List<String> outline,
            List<DayPlan.Item> blocks, LocalDateTime decomposed, ModelUse.Usage usage, List<String> unreadable) {
    }

    record InterviewBody(String question, String at) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record InterviewView(String answer, List<UUID> memories, ModelUse.Usage usage) {
    }

    record ConverseBody(String with, String at) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ConversationView(List<Conversations.Turn> turns, boolean ended, List<UUID> memories,
            ModelUse.Usage usage) {
    }

    record MemoryBody(String text, String kind, String at, Double importance) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record MemoryView(UUID id, String kind, String text, double importance, String importanceFrom, LocalDateTime at,
            List<UUID> evidence, List<ReflectionView> reflections, ModelUse.Usage usage) {

        static MemoryView of(StoredMemory memory, List<ReflectionView> reflections, ModelUse.Usage usage) {
            return new MemoryView(memory.id(), memory.kind().wireName(), memory.text(), memory.importance(),
                    memory.importanceFrom(), memory.at(), memory.evidence(), reflections, usage);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record MemoriesAdded(List<MemoryView> memories, List<ReflectionView> reflections, ModelUse.Usage usage) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RetrievedMemory(UUID id, String kind, String text, double importance, LocalDateTime at,
            LocalDateTime lastAccessedAt, List<UUID> evidence, ScoredMemory.Scores scores) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AgentView(UUID id, UUID simulationId, String name, String traits, String location, JsonNode plan,
            long memories, double importanceSinceReflection, LocalDateTime clock,
            MemoryStream.StreamEmbedder embedder) {
    }

    @GetMapping("/{id}")
    AgentView get(@PathVariable String id) {
        Agents.Found found = access.agent(id);
        Agent agent = found.agent();
        return new AgentView(agent.id(), agent.simulationId(), agent.name(), agent.traits(), agent.location(),
                found.plan() == null ? null : json.readTree(found.plan()), memories.count(agent.id()),
                memories.importanceSinceReflection(agent.id()), found.clock(), memories.embedder(agent.id()));
    }

    /**
     * Stores one memory (a JSON object) or several (an array: their importance is rated together, in one model
     * call per batch); {@code at} defaults to the simulation's clock.
     */
    @Admitted
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
        AgentMemories.Stored stored = agentMemories.store(found, batch, use);
        MemoryStream.Added added = stored.added();
        List<ReflectionView> reflections = stored.reflections() == null ? null
                : stored.reflections().stream().map(ReflectionView::of).toList();
        Object answer = body.isArray()
                ? new MemoriesAdded(added.memories().stream().map(m -> MemoryView.of(m, null, null)).toList(),
                        reflections, use.orNull())
                : MemoryView.of(added.memories().get(0), reflections, use.orNull());
        return ResponseEntity.status(HttpStatus.CREATED).body(answer);
    }

    /**
     * Moves the agent's memories to this instance's embedder (a remedy for 409 {@code embedder-mismatch}); an agent
     * already on it answers at once. A request cut short leaves its progress, and the next one resumes.
     */
    @Admitted
    @PostMapping("/{id}/reembed")
    MemoryReembedding.Moved reembed(@PathVariable String id) {
        return reembedding.reembed(access.agent(id).agent().id());
    }

    /**
     * Reflects now: the answer is the contract's array of reflections; the model usage travels in the
     * {@code Lore-Usage} header since an array has no room for it.
     */
    @Admitted
    @PostMapping("/{id}/reflect")
    ResponseEntity<List<ReflectionView>> reflect(@PathVariable String id, @RequestBody(required = false) AtBody body) {
        Agents.Found found = access.agent(id);
        LocalDateTime at = AgentsAccess.time("at", body == null ? null : body.at(), found.clock());
        ModelUse use = new ModelUse();
        List<ReflectionView> reflections = reflector.reflect(found.agent(), at, found.weights(), use).stream()
                .map(ReflectionView::of).toList();
        ModelUse.Usage usage = use.orNull();
        ResponseEntity.BodyBuilder response = ResponseEntity.ok();
        if (usage != null) {
            response.header("Lore-Usage", "llmCalls=" + usage.llmCalls() + ", promptTokens=" + usage.promptTokens()
                    + ", completionTokens=" + usage.completionTokens());
        }
        return response.body(reflections);
    }

    /** Plans a day (outline, hour blocks, actions for the block about to run), or re-plans after a reaction. */
    @Admitted
    @PostMapping("/{id}/plan")
    PlanView plan(@PathVariable String id, @RequestBody(required = false) PlanBody body) {
        Agents.Found found = access.agent(id);
        PlanBody request = body == null ? new PlanBody(null, null, null) : body;
        LocalDate day = AgentsAccess.day("day", request.day(), found.clock().toLocalDate());
        ModelUse use = new ModelUse();
        DayPlan plan;
        if (request.reaction() != null) {
            String reaction = AgentsAccess.text("reaction", request.reaction(), MAX_TEXT, true);
            LocalDateTime at = AgentsAccess.time("at", request.at(), found.clock());
            DayPlan current = found.plan() == null ? null : json.readValue(found.plan(), DayPlan.class);
            if (current == null || !current.day().equals(day)) {
                throw LoreException.conflict("no-plan", "No plan for the day",
                        "The agent has no plan for " + day + " to change: plan the day first");
            }
            plan = planner.replan(found.agent(), current, at, reaction, use);
        }
        else {
            plan = planner.plan(found.agent(), day, found.clock(), found.weights(), use);
        }
        agents.savePlan(found.agent().id(), json.writeValueAsString(plan));
        return new PlanView(plan.day(), plan.items(), plan.outline(), plan.blocks(), plan.decomposed(), use.orNull(),
                use.unreadable().isEmpty() ? null : use.unreadable());
    }

    @Admitted
    @PostMapping("/{id}/interview")
    InterviewView interview(@PathVariable String id, @RequestBody InterviewBody body) {
        Agents.Found found = access.agent(id);
        String question = AgentsAccess.text("question", body.question(), MAX_TEXT, true);
        LocalDateTime at = AgentsAccess.time("at", body.at(), found.clock());
        ModelUse use = new ModelUse();
        Interviewer.Answer answer = interviewer.interview(found.agent(), question, at, found.weights(), use);
        return new InterviewView(answer.answer(), answer.memories(), use.orNull());
    }

    /** A conversation with another agent of the same simulation; this agent speaks first. */
    @Admitted
    @PostMapping("/{id}/converse")
    ConversationView converse(@PathVariable String id, @RequestBody ConverseBody body) {
        Agents.Found found = access.agent(id);
        if (body.with() == null || body.with().isBlank()) {
            throw LoreException.invalid("with must name the other agent's id");
        }
        Agents.Found other = access.agent(body.with().strip());
        if (other.agent().id().equals(found.agent().id())) {
            throw LoreException.invalid("an agent cannot converse with itself");
        }
        if (!other.agent().simulationId().equals(found.agent().simulationId())) {
            throw LoreException.invalid("agents converse only within one simulation; " + body.with()
                    + " belongs to another");
        }
        LocalDateTime at = AgentsAccess.time("at", body.at(), found.clock());
        ModelUse use = new ModelUse();
        Conversations.Conversation conversation = conversations.converse(found.agent(), other.agent(), at,
                found.weights(), use);
        return new ConversationView(conversation.turns(), conversation.ended(),
                conversation.memories().stream().map(StoredMemory::id).toList(), use.orNull());
    }

    /** The top {@code k} memories by the paper's score, which become accessed at {@code at}. */
    @Admitted
    @GetMapping("/{id}/memories")
    List<RetrievedMemory> retrieve(@PathVariable String id, @RequestParam(required = false) String query,
            @RequestParam(required = false) Integer k, @RequestParam(required = false) String at) {
        Agents.Found found = access.agent(id);
        int limit = Paging.limit("k", k == null ? 10 : k);
        if (query != null && query.length() > MAX_TEXT) {
            throw LoreException.invalid("query is " + query.length() + " characters long; at most " + MAX_TEXT);
        }
        LocalDateTime time = AgentsAccess.time("at", at, found.clock());
        return memories.recall(found.agent().id(), query, limit, time, found.weights()).stream()
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
        String text = AgentsAccess.text(prefix + "text", body.text(), MAX_TEXT, true);
        if (body.importance() != null && !(body.importance() >= 1 && body.importance() <= 10)) {
            throw LoreException.invalid(prefix + "importance must be between 1 and 10, was " + body.importance());
        }
        MemoryKind kind = MemoryKind.parse(body.kind());
        return new NewMemory(kind, text, AgentsAccess.time(prefix + "at", body.at(), clock), body.importance(),
                null, List.of());
    }
}
