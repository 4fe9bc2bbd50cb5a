package dev.lore.agents.conversation;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import dev.lore.agents.Agent;
import dev.lore.agents.AgentModel;
import dev.lore.agents.AgentsProperties;
import dev.lore.agents.ModelUse;
import dev.lore.agents.memory.ImportanceRater;
import dev.lore.agents.memory.MemoryKind;
import dev.lore.agents.memory.MemoryStream;
import dev.lore.agents.memory.NewMemory;
import dev.lore.agents.memory.ScoredMemory;
import dev.lore.agents.memory.StoredMemory;
import dev.lore.agents.memory.Weights;
import dev.lore.prompts.Prompt;
import dev.lore.prompts.Prompts;

/**
 * Conversations between two agents of a simulation: they take turns, each turn retrieving what the speaker
 * remembers of the other, until one ends it or {@code lore.agents.max-turns} (at most 8) utterances are said; the
 * dialogue is stored as a chat memory of each, rated once. One call per turn and one rating.
 */
@Component
public class Conversations {

    /** One utterance. */
    public record Turn(UUID speakerId, String speaker, String text) {
    }

    /** The dialogue and the chat memory each side keeps of it. */
    public record Conversation(List<Turn> turns, boolean ended, List<StoredMemory> memories) {
    }

    private static final Pattern END = Pattern.compile("\\s*\\[\\s*END\\s*]\\s*", Pattern.CASE_INSENSITIVE);

    private final MemoryStream memories;
    private final ImportanceRater rater;
    private final AgentModel model;
    private final AgentsProperties properties;
    private final Prompt prompt;
    private final TransactionTemplate transactions;

    Conversations(MemoryStream memories, ImportanceRater rater, AgentModel model, AgentsProperties properties,
            Prompts prompts, TransactionTemplate transactions) {
        this.transactions = transactions;
        this.memories = memories;
        this.rater = rater;
        this.model = model;
        this.properties = properties;
        this.prompt = prompts.require("agent-converse", "name", "traits", "time", "other", "location", "memories",
                "conversation");
    }

    /** {@code first} speaks first; both must belong to one simulation (the caller checks). */
    public Conversation converse(Agent first, Agent second, LocalDateTime at, Weights weights, ModelUse use) {
        List<Turn> turns = new ArrayList<>();
        boolean ended = false;
        for (int i = 0; i < properties.maxTurns() && !ended; i++) {
            Agent speaker = i % 2 == 0 ? first : second;
            Agent listener = i % 2 == 0 ? second : first;
            List<ScoredMemory> remembered = memories.retrieve(speaker.id(), listener.name(),
                    properties.conversationMemories(), at, weights);
            String answer = model.generate(prompt, Map.of("name", speaker.name(), "traits", speaker.traits(),
                    "time", at.toString().replace('T', ' '), "other", listener.name(), "location", speaker.location(),
                    "memories", remembered.isEmpty() ? "(nothing)" : remembered.stream()
                            .map(scored -> "- " + scored.memory().text()).collect(Collectors.joining("\n")),
                    "conversation", turns.isEmpty() ? "(nothing yet)" : transcript(turns)), 200, 0.8, use);
            String line = firstLine(answer, speaker.name());
            ended = END.matcher(line).find();
            line = END.matcher(line).replaceAll(" ").strip();
            if (line.isEmpty() && !ended) {
                throw model.unreadable("utterance", answer);
            }
            if (!line.isEmpty()) {
                turns.add(new Turn(speaker.id(), speaker.name(), line));
            }
        }
        if (turns.isEmpty()) {
            return new Conversation(List.of(), true, List.of());
        }
        String dialogue = "Conversation between " + first.name() + " and " + second.name() + " at "
                + at.toString().replace('T', ' ') + ":\n" + transcript(turns);
        ImportanceRater.Rating rating = rater.rate(List.of(dialogue), use).get(0);
        List<StoredMemory> stored = new ArrayList<>();
        transactions.executeWithoutResult(status -> {
            for (Agent agent : List.of(first, second)) {
                stored.addAll(memories.add(agent.id(), List.of(NewMemory.rated(MemoryKind.CHAT, dialogue, at,
                        rating)), use).memories());
            }
        });
        return new Conversation(turns, ended, stored);
    }

    private static String transcript(List<Turn> turns) {
        return turns.stream().map(turn -> turn.speaker() + ": " + turn.text()).collect(Collectors.joining("\n"));
    }

    /** The utterance: the first non-empty line, without a leading speaker name or quotes. */
    private static String firstLine(String answer, String speaker) {
        for (String line : answer.split("\\R")) {
            String text = line.strip();
            if (text.regionMatches(true, 0, speaker + ":", 0, speaker.length() + 1)) {
                text = text.substring(speaker.length() + 1).strip();
            }
            if (text.length() > 1 && text.startsWith("\"") && text.endsWith("\"")) {
                text = text.substring(1, text.length() - 1).strip();
            }
            if (!text.isEmpty()) {
                return text;
            }
        }
        return "";
    }
}
