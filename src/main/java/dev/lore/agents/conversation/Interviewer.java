package dev.lore.agents.conversation;

import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.springframework.stereotype.Component;

import dev.lore.agents.Agent;
import dev.lore.agents.AgentModel;
import dev.lore.agents.AgentsProperties;
import dev.lore.agents.ModelUse;
import dev.lore.agents.memory.MemoryStream;
import dev.lore.agents.memory.ScoredMemory;
import dev.lore.agents.memory.Weights;
import dev.lore.prompts.Prompt;
import dev.lore.prompts.Prompts;

/** Interviews: an agent answers a question in character from the memories the question retrieves; one call. */
@Component
public class Interviewer {

    /** The answer and the memories it drew on. */
    public record Answer(String answer, List<UUID> memories) {
    }

    private final MemoryStream memories;
    private final AgentModel model;
    private final AgentsProperties properties;
    private final Prompt prompt;

    Interviewer(MemoryStream memories, AgentModel model, AgentsProperties properties, Prompts prompts) {
        this.memories = memories;
        this.model = model;
        this.properties = properties;
        this.prompt = prompts.require("agent-interview", "name", "traits", "time", "location", "memories",
                "question");
    }

    public Answer interview(Agent agent, String question, LocalDateTime at, Weights weights, ModelUse use) {
        List<ScoredMemory> retrieved = memories.retrieve(agent.id(), question, properties.interviewMemories(), at,
                weights);
        String remembered = retrieved.isEmpty() ? "(nothing)" : retrieved.stream()
                .map(scored -> "- " + scored.memory().text()).collect(Collectors.joining("\n"));
        String answer = model.generate(prompt, Map.of("name", agent.name(), "traits", agent.traits(),
                "time", at.toString().replace('T', ' '), "location", agent.location(), "memories", remembered,
                "question", question), 400, 0.7, use).strip();
        if (answer.isEmpty()) {
            throw model.unreadable("interview answer", answer);
        }
        return new Answer(answer, retrieved.stream().map(scored -> scored.memory().id()).toList());
    }
}
