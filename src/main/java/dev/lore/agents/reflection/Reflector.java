package dev.lore.agents.reflection;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.springframework.stereotype.Component;

import dev.lore.agents.Agent;
import dev.lore.agents.AgentModel;
import dev.lore.agents.AnswerText;
import dev.lore.agents.AgentsProperties;
import dev.lore.agents.ModelUse;
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
 * Reflection as the paper describes it: the most recent memories lead to the most salient questions, each question
 * retrieves its memories, and the model draws insights from them citing its evidence; the insights become reflection
 * memories pointing at that evidence, all stored in one transaction or none. Two generator calls and one rating call.
 */
@Component
public class Reflector {

    private static final Pattern INSIGHT = Pattern.compile("^\\s*(?:[-*]|\\d+[.)])?\\s*(.+?)[\\s.,;:-]*"
            + "(?:\\((?:because of|based on|evidence|statements?|see|from)?\\s*:?\\s*([\\d,;\\s&]+(?:and\\s*\\d+)?)\\)"
            + "|\\[(?:because of|based on|evidence|statements?|see|from)?\\s*:?\\s*([\\d,;\\s&]+(?:and\\s*\\d+)?)])"
            + "\\s*\\.?\\s*$", Pattern.CASE_INSENSITIVE);
    private static final Pattern NUMBER = Pattern.compile("\\d+");
    private static final Pattern LIST_MARK = Pattern.compile("^\\s*(?:[-*]|\\d+[.):]|Q\\d*[.:])\\s*");

    private final MemoryStream memories;
    private final AgentModel model;
    private final AgentsProperties properties;
    private final Prompt questions;
    private final Prompt insights;

    Reflector(MemoryStream memories, AgentModel model, AgentsProperties properties, Prompts prompts) {
        this.memories = memories;
        this.model = model;
        this.properties = properties;
        this.questions = prompts.require("agent-reflection-questions", "name", "statements", "count");
        this.insights = prompts.require("agent-reflection-insights", "name", "statements", "count");
    }

    /** Reflects at simulation time {@code at}; returns the stored reflections (none when there is nothing yet). */
    public List<StoredMemory> reflect(Agent agent, LocalDateTime at, Weights weights, ModelUse use) {
        double counted = memories.importanceSinceReflection(agent.id());
        List<StoredMemory> recent = new ArrayList<>(memories.recent(agent.id(), at, properties.reflectionRecent()));
        java.util.Collections.reverse(recent);
        if (recent.isEmpty()) {
            return List.of();
        }
        List<String> asked = model.read(questions, Map.of("name", agent.name(),
                "statements", numbered(recent.stream().map(StoredMemory::text).toList()),
                "count", properties.reflectionQuestions()), 300, 0.7, use,
                answer -> nonEmpty(questions(answer, properties.reflectionQuestions())), List::of);
        if (asked.isEmpty()) {
            // nothing readable to reflect on: the importance counted so far is spent, so the next reflection waits
            // for new memories instead of asking again every step
            memories.reflected(agent.id(), counted);
            return List.of();
        }
        Map<UUID, StoredMemory> gathered = new LinkedHashMap<>();
        for (String question : asked) {
            for (ScoredMemory scored : memories.retrieve(agent.id(), question, properties.evidencePerQuestion(), at,
                    weights)) {
                gathered.putIfAbsent(scored.memory().id(), scored.memory());
            }
        }
        List<StoredMemory> evidence = List.copyOf(gathered.values());
        List<NewMemory> drawn = model.read(insights, Map.of("name", agent.name(),
                "statements", numbered(evidence.stream().map(StoredMemory::text).toList()),
                "count", properties.reflectionInsights()), 600, 0.7, use,
                answer -> nonEmpty(insights(answer, evidence, at, properties.reflectionInsights())), List::of);
        if (drawn.isEmpty()) {
            memories.reflected(agent.id(), counted);
            return List.of();
        }
        List<StoredMemory> stored = memories.add(agent.id(), drawn, use).memories();
        memories.reflected(agent.id(), counted);
        return stored;
    }

    private static <T> List<T> nonEmpty(List<T> items) {
        return items.isEmpty() ? null : items;
    }

    /**
     * The questions of an answer, at most {@code limit}: JSON ({@code questions}) or its lines without list marks,
     * Markdown, preambles (a line ending in ':') or a model declining.
     */
    static List<String> questions(String answer, int limit) {
        List<String> found = new ArrayList<>();
        Optional<JsonNode> json = AnswerText.json(answer);
        List<String> lines = json.isPresent() ? json.get().path("questions").values().stream()
                .map(node -> node.asString("")).toList() : List.of(answer.split("\\R"));
        for (String line : lines) {
            String question = LIST_MARK.matcher(AnswerText.plain(line)).replaceFirst("").strip();
            if (question.length() >= 5 && question.chars().anyMatch(Character::isLetter)
                    && !AnswerText.declines(question) && (question.endsWith("?") || !question.endsWith(":")
                            && !question.toLowerCase(Locale.ROOT).startsWith("here are"))) {
                found.add(question);
            }
            if (found.size() == limit) {
                break;
            }
        }
        return found;
    }

    /**
     * The insights of an answer, each with the ids of the statements it cites: JSON ({@code insights} of
     * {@code insight} and {@code evidence}) or lines of an insight and its statement numbers in parentheses or
     * brackets; a number that names no statement is dropped, and an insight left with no evidence is dropped with
     * it.
     */
    static List<NewMemory> insights(String answer, List<StoredMemory> statements, LocalDateTime at, int limit) {
        List<NewMemory> drawn = new ArrayList<>();
        Optional<JsonNode> json = AnswerText.json(answer);
        List<String[]> found = new ArrayList<>();
        if (json.isPresent()) {
            for (JsonNode insight : json.get().path("insights").values()) {
                found.add(new String[] {insight.path("insight").asString(""),
                        insight.path("evidence").values().stream().map(node -> node.asString(""))
                                .collect(Collectors.joining(","))});
            }
        }
        else {
            for (String line : answer.split("\\R")) {
                Matcher insight = INSIGHT.matcher(AnswerText.plain(line));
                if (insight.matches()) {
                    found.add(new String[] {insight.group(1), insight.group(2) != null ? insight.group(2)
                            : insight.group(3)});
                }
            }
        }
        for (String[] insight : found) {
            Set<UUID> cited = new LinkedHashSet<>();
            Matcher number = NUMBER.matcher(insight[1]);
            while (number.find()) {
                int index = statement(number.group());
                if (index >= 0 && index < statements.size()) {
                    cited.add(statements.get(index).id());
                }
            }
            String text = AnswerText.plain(insight[0]);
            if (!cited.isEmpty() && !text.isEmpty()) {
                drawn.add(new NewMemory(MemoryKind.REFLECTION, text, at, null, null, List.copyOf(cited)));
            }
            if (drawn.size() == limit) {
                break;
            }
        }
        return drawn;
    }

    /** The index of the statement a cited number names; -1 for one too large to name any. */
    private static int statement(String digits) {
        try {
            return Integer.parseInt(digits) - 1;
        }
        catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String numbered(List<String> texts) {
        return IntStream.range(0, texts.size()).mapToObj(i -> (i + 1) + ". " + texts.get(i))
                .collect(Collectors.joining("\n"));
    }
}
