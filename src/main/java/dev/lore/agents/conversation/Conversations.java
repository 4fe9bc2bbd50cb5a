package dev.lore.agents.conversation;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import dev.lore.agents.Agent;
import dev.lore.agents.AgentModel;
import dev.lore.agents.AnswerText;
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
import tools.jackson.databind.JsonNode;

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
            Utterance said = model.read(prompt, Map.of("name", speaker.name(), "traits", speaker.traits(),
                    "time", at.toString().replace('T', ' '), "other", listener.name(), "location", speaker.location(),
                    "memories", remembered.isEmpty() ? "(nothing)" : remembered.stream()
                            .map(scored -> "- " + scored.memory().text()).collect(Collectors.joining("\n")),
                    "conversation", turns.isEmpty() ? "(nothing yet)" : transcript(turns)), 200, 0.8, use,
                    answer -> utterance(answer, speaker.name()),
                    // a speaker with nothing readable to say ends the conversation
                    () -> new Utterance("", true));
            ended = said.ended();
            String line = said.text();
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

    /** What a speaker says, and whether it ends the conversation. */
    record Utterance(String text, boolean ended) {
    }

    /**
     * The utterance of an answer: JSON ({@code line}, {@code end}) or its first line that is not a preamble (a line
     * ending in ':'), without a leading speaker name, Markdown or quotes; [END] ends it. {@code null} when there is
     * none.
     */
    static Utterance utterance(String answer, String speaker) {
        Optional<JsonNode> json = AnswerText.json(answer);
        if (json.isPresent()) {
            String text = json.get().path("line").asString("").strip();
            boolean ended = json.get().path("end").asBoolean(false) || END.matcher(text).find();
            text = END.matcher(text).replaceAll(" ").strip();
            return text.isEmpty() && !ended ? null : new Utterance(text, ended);
        }
        for (String line : answer.split("\\R")) {
            String text = AnswerText.plain(line);
            if (text.isEmpty() || text.endsWith(":") && !END.matcher(text).find()) {
                continue;
            }
            if (AnswerText.declines(text)) {
                return null;
            }
            text = AnswerText.plain(text.replaceFirst("(?i)^" + Pattern.quote(speaker) + "\\s*(?:\\([^)]*\\))?\\s*:", ""));
            boolean ended = END.matcher(text).find();
            text = END.matcher(text).replaceAll(" ").strip();
            if (!text.isEmpty() || ended) {
                return new Utterance(text, ended);
            }
        }
        return null;
    }
}
