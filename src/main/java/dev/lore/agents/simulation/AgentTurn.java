package dev.lore.agents.simulation;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.springframework.stereotype.Component;

import dev.lore.agents.Agent;
import dev.lore.agents.AgentModel;
import dev.lore.agents.AnswerText;
import dev.lore.agents.Agents;
import dev.lore.agents.AgentsProperties;
import dev.lore.agents.ModelUse;
import dev.lore.agents.conversation.Conversations;
import dev.lore.agents.memory.ImportanceRater;
import dev.lore.agents.memory.MemoryKind;
import dev.lore.agents.memory.MemoryStream;
import dev.lore.agents.memory.NewMemory;
import dev.lore.agents.memory.ScoredMemory;
import dev.lore.agents.memory.Weights;
import dev.lore.agents.planning.DayPlan;
import dev.lore.agents.planning.Planner;
import dev.lore.agents.reflection.Reflector;
import dev.lore.prompts.Prompt;
import dev.lore.prompts.Prompts;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One agent's part of a step: plan the day when it begins and the hour block when it begins, perceive the agents at
 * its place, store what is new as observations, decide in one call whether to react (talk, do something else) only
 * when something new was perceived (otherwise the plan is followed without a call), act, and reflect once enough
 * has happened. The caller runs it in passes ({@link dev.lore.agents.ModelCalls}), each inside one transaction with
 * the agent's checkpoint that commits only once every model call has an answer, so its effects are applied once or
 * not at all, and no transaction is open while the model thinks.
 */
@Component
class AgentTurn {

    /** Where an agent was and what it was doing when a step began. */
    record Presence(UUID agentId, String name, String location, String action) {
    }

    /** An agent as a step finds it: who it is, its plan (JSON, or null) and what it perceived last step. */
    record Member(Agent agent, String plan, String action, Set<String> perceived) {
    }

    /** What a step is about: the simulation, its clock, its world, shared ratings and who talks already. */
    record Context(UUID simulationId, long step, LocalDateTime at, Weights weights, List<Presence> world,
            Map<String, ImportanceRater.Rating> ratings, Map<UUID, UUID> talking, Set<UUID> cooledDown) {

        Presence presence(UUID agentId) {
            return world.stream().filter(presence -> presence.agentId().equals(agentId)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("agent " + agentId + " is not in the step's world"));
        }
    }

    /** The agent's events and whom it talked with (if anyone). */
    record Outcome(List<SimulationEvent> events, UUID talkedWith) {
    }

    enum Choice {
        CONTINUE, TALK, REACT
    }

    record Decision(Choice choice, String argument) {

        static final Decision CONTINUE = new Decision(Choice.CONTINUE, "");
    }

    private final Planner planner;
    private final MemoryStream memories;
    private final Conversations conversations;
    private final Reflector reflector;
    private final AgentModel model;
    private final Agents agents;
    private final AgentsProperties agentsProperties;
    private final SimulationProperties properties;
    private final JsonMapper json;
    private final Prompt reactPrompt;

    AgentTurn(Planner planner, MemoryStream memories, Conversations conversations, Reflector reflector,
            AgentModel model, Agents agents, AgentsProperties agentsProperties, SimulationProperties properties,
            JsonMapper json, Prompts prompts) {
        this.planner = planner;
        this.memories = memories;
        this.conversations = conversations;
        this.reflector = reflector;
        this.model = model;
        this.agents = agents;
        this.agentsProperties = agentsProperties;
        this.properties = properties;
        this.json = json;
        this.reactPrompt = prompts.require("agent-react", "name", "traits", "time", "location", "action",
                "observations", "memories", "people");
    }

    /**
     * What the agent perceives at the step's start: every other agent at its place, keyed by who and where (so an
     * agent still there next step is nothing new), each with the observation it makes.
     */
    static Map<String, String> perceptions(Presence self, List<Presence> world) {
        Map<String, String> seen = new LinkedHashMap<>();
        for (Presence other : world) {
            if (other.agentId().equals(self.agentId()) || self.location().isBlank()
                    || !other.location().equalsIgnoreCase(self.location())) {
                continue;
            }
            String doing = other.action() == null || other.action().isBlank() ? "" : " " + other.action();
            seen.put(key(other),
                    other.name() + " is at " + other.location() + (doing.isEmpty() ? "" : ":" + doing));
        }
        return seen;
    }

    /** Who is where: an agent still at the same place next step is nothing new, whatever it is doing. */
    private static String key(Presence other) {
        return other.agentId() + "@" + other.location().toLowerCase(Locale.ROOT);
    }

    /** The observations {@code member} makes this step that it did not make last step. */
    static List<String> fresh(Member member, Presence self, List<Presence> world) {
        return perceptions(self, world).entrySet().stream()
                .filter(entry -> !member.perceived().contains(entry.getKey())).map(Map.Entry::getValue).toList();
    }

    Outcome act(Context context, Member member, ModelUse use) {
        Agent agent = member.agent();
        LocalDateTime at = context.at();
        Presence self = context.presence(agent.id());

        DayPlan plan = member.plan() == null ? null : json.readValue(member.plan(), DayPlan.class);
        if (plan == null || !plan.day().equals(at.toLocalDate())) {
            plan = planner.plan(agent, at.toLocalDate(), at, context.weights(), use);
        }
        plan = planner.decomposeRunning(agent, plan, at, use);

        Map<String, String> seen = perceptions(self, context.world());
        List<String> fresh = fresh(member, self, context.world());
        if (!fresh.isEmpty()) {
            memories.add(agent.id(), fresh.stream().map(text -> {
                ImportanceRater.Rating rating = context.ratings().get(text);
                return rating == null ? NewMemory.of(MemoryKind.OBSERVATION, text, at)
                        : NewMemory.rated(MemoryKind.OBSERVATION, text, at, rating);
            }).toList(), use);
        }

        Optional<DayPlan.Item> doing = plan.at(at);
        String action = doing.map(DayPlan.Item::activity).orElse("idle");
        String location = doing.map(DayPlan.Item::location).filter(place -> !place.isBlank())
                .orElse(agent.location());
        String kind = doing.isPresent() ? "plan" : "idle";
        UUID talkedWith = null;
        UUID partner = context.talking().get(agent.id());
        if (partner != null) {
            // another agent started a conversation with this one earlier in the step: it spends the step talking
            action = "talking with " + context.presence(partner).name();
            location = self.location();
            kind = "talk";
        }
        else if (!fresh.isEmpty()) {
            List<Presence> people = context.world().stream()
                    .filter(other -> seen.containsKey(key(other)))
                    .filter(other -> !context.talking().containsKey(other.agentId())
                            && !context.cooledDown().contains(other.agentId()))
                    .toList();
            Decision decision = decide(agent, self, action, fresh, people, context, use);
            if (decision.choice() == Choice.TALK) {
                Presence other = people.stream().filter(person -> person.name().equalsIgnoreCase(
                        decision.argument())).findFirst().orElseThrow();
                Agent here = withLocation(agent, self.location());
                Agent them = agents.find(other.agentId()).map(found -> withLocation(found.agent(), self.location()))
                        .orElseThrow();
                conversations.converse(here, them, at, context.weights(), use);
                action = "talking with " + other.name();
                location = self.location();
                kind = "talk";
                talkedWith = other.agentId();
            }
            else if (decision.choice() == Choice.REACT && doing.isPresent()) {
                plan = planner.replan(agent, plan, at, decision.argument(), use);
                doing = plan.at(at);
                action = doing.map(DayPlan.Item::activity).orElse(decision.argument());
                location = doing.map(DayPlan.Item::location).filter(place -> !place.isBlank()).orElse(location);
                kind = "react";
            }
        }

        agents.acted(agent.id(), json.writeValueAsString(plan), location, action, seen.keySet());
        if (memories.importanceSinceReflection(agent.id()) > agentsProperties.reflectionThreshold()) {
            reflector.reflect(withLocation(agent, location), at, context.weights(), use);
        }
        SimulationEvent event = new SimulationEvent(agent.id(), agent.name(), at, action, location, kind,
                talkedWith != null ? talkedWith : partner, use.unreadable().isEmpty() ? null : use.unreadable());
        return new Outcome(List.of(event), talkedWith);
    }

    private Decision decide(Agent agent, Presence self, String action, List<String> fresh, List<Presence> people,
            Context context, ModelUse use) {
        String recalled = memories.retrieve(agent.id(), String.join("; ", fresh), properties.decisionMemories(),
                context.at(), context.weights()).stream().map(ScoredMemory::memory)
                .map(memory -> "- " + memory.text()).collect(Collectors.joining("\n"));
        List<String> names = people.stream().map(Presence::name).toList();
        return model.read(reactPrompt, Map.of("name", agent.name(), "traits", agent.traits(),
                "time", context.at().toString().replace('T', ' '), "location", self.location(), "action", action,
                "observations", fresh.stream().map(text -> "- " + text).collect(Collectors.joining("\n")),
                "memories", recalled.isEmpty() ? "(nothing)" : recalled,
                "people", people.isEmpty() ? "(nobody)" : String.join(", ", names)), 60, 0.7, use,
                answer -> parse(answer, names), () -> Decision.CONTINUE);
    }

    /**
     * The decision in an answer: JSON ({@code decision}, {@code argument}) or its first line that starts with one of
     * the three words (after any preamble, Markdown or "Decision:"); {@code null} when it says none of them. Talking
     * to someone who is not available, or reacting with nothing to do, keeps the plan.
     */
    static Decision parse(String answer, List<String> people) {
        Optional<JsonNode> json = AnswerText.json(answer);
        if (json.isPresent()) {
            String decision = json.get().path("decision").asString("").strip();
            return decision.isEmpty() ? null : decision(decision + " " + json.get().path("argument").asString(""),
                    people);
        }
        for (String line : answer.split("\\R")) {
            String text = AnswerText.plain(line).replaceFirst("(?i)^(decision|answer)\\s*:\\s*", "")
                    .replaceAll("^[*\"'`]+|[*\"'`.]+$", "").strip();
            Decision decision = decision(text, people);
            if (decision != null) {
                return decision;
            }
        }
        return null;
    }

    private static Decision decision(String text, List<String> people) {
        String upper = text.strip().toUpperCase(Locale.ROOT);
        text = text.strip();
        if (upper.startsWith("CONTINUE")) {
            return Decision.CONTINUE;
        }
        if (upper.startsWith("TALK")) {
            String name = text.substring(4).replaceFirst("(?i)^\\s*(to|with)\\b", "").replaceFirst("^[\\s:,-]+", "")
                    .strip();
            return people.stream().filter(person -> person.equalsIgnoreCase(name)
                    || name.toLowerCase(Locale.ROOT).startsWith(person.toLowerCase(Locale.ROOT) + " "))
                    .findFirst().map(person -> new Decision(Choice.TALK, person)).orElse(Decision.CONTINUE);
        }
        if (upper.startsWith("REACT")) {
            String what = text.substring(5).replaceFirst("^[\\s:,-]+", "").strip();
            return what.isEmpty() ? Decision.CONTINUE : new Decision(Choice.REACT, what);
        }
        return null;
    }

    private static Agent withLocation(Agent agent, String location) {
        return new Agent(agent.id(), agent.simulationId(), agent.name(), agent.traits(), location);
    }
}
