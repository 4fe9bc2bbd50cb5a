package dev.lore.agents;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.scheduling.support.CronExpression;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.lore.agents.memory.MemoryKind;
import dev.lore.agents.memory.MemoryStream;
import dev.lore.agents.memory.NewMemory;
import dev.lore.agents.memory.Weights;
import dev.lore.web.LoreException;

/** Simulations and the agents they hold. */
@RestController
@RequestMapping("/api/v1/simulations")
class SimulationController {

    static final int MAX_SEED_MEMORIES = 200;

    private final AgentsAccess access;
    private final Simulations simulations;
    private final Agents agents;
    private final MemoryStream memories;

    SimulationController(AgentsAccess access, Simulations simulations, Agents agents, MemoryStream memories) {
        this.access = access;
        this.simulations = simulations;
        this.agents = agents;
        this.memories = memories;
    }

    record WeightsBody(Double recency, Double importance, Double relevance) {
    }

    record CreateSimulation(String name, String startsAt, Integer stepMinutes, String schedule, WeightsBody weights) {
    }

    record AgentSummary(UUID id, String name, String location) {
    }

    record SimulationView(UUID id, String name, LocalDateTime startsAt, LocalDateTime clock, int stepMinutes,
            long step, String status, String schedule, Weights weights, List<AgentSummary> agents) {
    }

    record CreateAgent(String name, String traits, String location, List<String> memories) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AgentCreated(UUID id, UUID simulationId, String name, String traits, String location, int memories,
            ModelUse.Usage usage) {
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    SimulationView create(@RequestBody CreateSimulation request) {
        access.requirePermission();
        String name = text("name", request.name(), 200, true);
        if (request.startsAt() == null) {
            throw LoreException.invalid("startsAt is required: the simulation's start, e.g. 2026-02-13T07:00:00");
        }
        LocalDateTime startsAt = AgentsAccess.time("startsAt", request.startsAt(), null);
        int stepMinutes = request.stepMinutes() == null ? 10 : request.stepMinutes();
        if (stepMinutes < 1 || stepMinutes > 1440) {
            throw LoreException.invalid("stepMinutes must be between 1 and 1440, was " + stepMinutes);
        }
        String schedule = request.schedule() == null || request.schedule().isBlank() ? null
                : request.schedule().strip();
        if (schedule != null && !CronExpression.isValidExpression(schedule)) {
            throw LoreException.invalid("schedule must be a Spring cron expression (six fields, e.g. "
                    + "'0 */5 * * * *'), was '" + schedule + "'");
        }
        Simulations.Simulation created = simulations.create(name, startsAt, stepMinutes, schedule,
                weights(request.weights()));
        return view(created, List.of());
    }

    @GetMapping("/{id}")
    SimulationView get(@PathVariable String id) {
        Simulations.Simulation simulation = access.simulation(id);
        return view(simulation, agents.inSimulation(simulation.id()).stream()
                .map(agent -> new AgentSummary(agent.id(), agent.name(), agent.location())).toList());
    }

    /** An agent with its seed memories, stored as observations at the simulation's clock and rated in one call. */
    @PostMapping("/{id}/agents")
    @ResponseStatus(HttpStatus.CREATED)
    AgentCreated addAgent(@PathVariable String id, @RequestBody CreateAgent request) {
        Simulations.Simulation simulation = access.simulation(id);
        String name = text("name", request.name(), 200, true);
        String traits = text("traits", request.traits(), 4000, false);
        String location = text("location", request.location(), 500, false);
        List<String> seeds = request.memories() == null ? List.of() : request.memories();
        if (seeds.size() > MAX_SEED_MEMORIES) {
            throw LoreException.invalid("memories holds " + seeds.size() + " seed memories; at most "
                    + MAX_SEED_MEMORIES + " at once");
        }
        List<NewMemory> seeded = new ArrayList<>();
        for (int i = 0; i < seeds.size(); i++) {
            String seed = text("memories[" + i + "]", seeds.get(i), AgentController.MAX_TEXT, true);
            seeded.add(NewMemory.of(MemoryKind.OBSERVATION, seed, simulation.clock()));
        }
        Agent agent = agents.create(simulation.id(), name, traits, location);
        ModelUse use = new ModelUse();
        if (!seeded.isEmpty()) {
            memories.add(agent.id(), seeded, use);
        }
        return new AgentCreated(agent.id(), simulation.id(), agent.name(), agent.traits(), agent.location(),
                seeded.size(), use.orNull());
    }

    private static SimulationView view(Simulations.Simulation simulation, List<AgentSummary> agents) {
        return new SimulationView(simulation.id(), simulation.name(), simulation.startsAt(), simulation.clock(),
                simulation.stepMinutes(), simulation.step(), simulation.status(), simulation.schedule(),
                simulation.weights(), agents);
    }

    private static Weights weights(WeightsBody body) {
        if (body == null) {
            return Weights.EQUAL;
        }
        double recency = weight("recency", body.recency());
        double importance = weight("importance", body.importance());
        double relevance = weight("relevance", body.relevance());
        return new Weights(recency, importance, relevance);
    }

    private static double weight(String name, Double value) {
        if (value == null) {
            return 1;
        }
        if (!(value >= 0) || value.isInfinite() || value > 1000) {
            throw LoreException.invalid("weights." + name + " must be a number from 0 to 1000, was " + value);
        }
        return value;
    }

    static String text(String field, String value, int max, boolean required) {
        if (value == null || value.isBlank()) {
            if (required) {
                throw LoreException.invalid(field + " must not be empty");
            }
            return "";
        }
        if (value.length() > max) {
            throw LoreException.invalid(field + " is " + value.length() + " characters long; at most " + max);
        }
        return value.strip();
    }
}
