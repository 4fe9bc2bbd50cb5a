package dev.lore.agents.simulation;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.lore.agents.Agent;
import dev.lore.agents.Agents;
import dev.lore.agents.AgentsAccess;
import dev.lore.agents.ModelUse;
import dev.lore.agents.Simulations;
import dev.lore.agents.memory.MemoryKind;
import dev.lore.agents.memory.MemoryReembedding;
import dev.lore.agents.memory.MemoryStream;
import dev.lore.agents.memory.NewMemory;
import dev.lore.agents.memory.Weights;
import dev.lore.web.Admitted;
import dev.lore.web.LoreException;
import dev.lore.web.Paging;

/** Simulations and the agents they hold. */
@RestController
@Tag(name = "Simulations")
@RequestMapping("/api/v1/simulations")
class SimulationController {

    static final int MAX_SEED_MEMORIES = 200;

    private final AgentsAccess access;
    private final Simulations simulations;
    private final Agents agents;
    private final MemoryStream memories;
    private final SimulationSchedules schedules;
    private final SimulationReports reports;
    private final Stepper stepper;
    private final SimulationProperties properties;
    private final MemoryReembedding reembedding;

    SimulationController(AgentsAccess access, Simulations simulations, Agents agents, MemoryStream memories,
            SimulationSchedules schedules, SimulationReports reports, Stepper stepper,
            SimulationProperties properties, MemoryReembedding reembedding) {
        this.reembedding = reembedding;
        this.access = access;
        this.simulations = simulations;
        this.agents = agents;
        this.memories = memories;
        this.schedules = schedules;
        this.reports = reports;
        this.stepper = stepper;
        this.properties = properties;
    }

    record WeightsBody(Double recency, Double importance, Double relevance) {
    }

    record CreateSimulation(String name, String startsAt, Integer stepMinutes, String schedule, WeightsBody weights) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AgentSummary(UUID id, String name, String location, ModelUse.Usage usage) {
    }

    /**
     * A simulation: {@code status} is {@code stepping} while a step runs, else {@code running} (its schedule is on)
     * or {@code paused}; the operational fields say what an operator needs to know.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SimulationView(UUID id, String name, LocalDateTime startsAt, LocalDateTime clock, int stepMinutes,
            long step, String status, String schedule, Weights weights, List<AgentSummary> agents,
            SimulationReports.Stepping stepping, String lastError, java.time.Instant lastErrorAt,
            Integer consecutiveFailures, String pausedReason, Long skippedTicks, ModelUse.Usage usage) {
    }

    record StepBody(Integer steps) {
    }

    record ScheduleBody(String cron) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record StepsRun(LocalDateTime clock, long step, int stepsRun, List<SimulationEvent> events,
            ModelUse.Usage usage) {
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
        String owner = access.creator();
        String name = AgentsAccess.text("name", request.name(), 200, true);
        if (request.startsAt() == null) {
            throw LoreException.invalid("startsAt is required: the simulation's start, e.g. 2026-02-13T07:00:00");
        }
        LocalDateTime startsAt = AgentsAccess.time("startsAt", request.startsAt(), null);
        int stepMinutes = request.stepMinutes() == null ? 10 : request.stepMinutes();
        if (stepMinutes < 1 || stepMinutes > 1440) {
            throw LoreException.invalid("stepMinutes must be between 1 and 1440, was " + stepMinutes);
        }
        String schedule = schedules.validate("schedule", request.schedule());
        Simulations.Simulation created = simulations.create(owner, name, startsAt, stepMinutes, schedule,
                weights(request.weights()));
        schedules.follow(created.id(), schedule);
        return view(created);
    }

    /** A simulation in a list: what it is and where it stands, without its agents and operations. */
    record SimulationSummary(UUID id, String name, LocalDateTime startsAt, LocalDateTime clock, int stepMinutes,
            long step, String status, String schedule, java.time.Instant createdAt) {
    }

    /** The caller's simulations, newest first (every one for an administrator), a page at a time. */
    @GetMapping
    List<SimulationSummary> list(@RequestParam(required = false, defaultValue = "100") int limit,
            @RequestParam(required = false, defaultValue = "0") int offset) {
        Paging.limit("limit", limit);
        Paging.position("offset", offset);
        return access.simulations(limit, offset).stream()
                .map(s -> new SimulationSummary(s.id(), s.name(), s.startsAt(), s.clock(), s.stepMinutes(), s.step(),
                        s.status(), s.schedule(), s.createdAt()))
                .toList();
    }

    @GetMapping("/{id}")
    SimulationView get(@PathVariable String id) {
        return view(access.simulation(id));
    }

    /**
     * Runs {@code steps} steps now (default 1); a long run shows its progress on {@code GET} of the simulation. A
     * simulation already stepping (a request or its schedule) answers 409.
     */
    @Admitted
    @PostMapping("/{id}/step")
    StepsRun step(@PathVariable String id, @RequestBody(required = false) StepBody body) {
        Simulations.Simulation simulation = access.simulation(id);
        int steps = body == null || body.steps() == null ? 1 : body.steps();
        if (steps < 1 || steps > properties.maxStepsPerRequest()) {
            throw LoreException.invalid("steps must be between 1 and " + properties.maxStepsPerRequest()
                    + " (lore.agents.simulation.max-steps-per-request), was " + steps);
        }
        Stepper.Run run = stepper.step(simulation.id(), steps);
        return new StepsRun(run.clock(), run.step(), run.stepsRun(), run.events(), run.usage());
    }

    /** The steps from {@code from} on, one row per step, in order. */
    @GetMapping("/{id}/steps")
    List<SimulationReports.StepView> steps(@PathVariable String id,
            @RequestParam(required = false, defaultValue = "0") long from,
            @RequestParam(required = false, defaultValue = "100") int limit) {
        Simulations.Simulation simulation = access.simulation(id);
        Paging.position("from", from);
        Paging.limit("limit", limit);
        return reports.steps(simulation.id(), from, limit);
    }

    /** Changes the schedule ({@code cron}), or pauses it ({@code null}); resuming clears a pause after failures. */
    @PutMapping("/{id}/schedule")
    SimulationView schedule(@PathVariable String id, @RequestBody ScheduleBody body) {
        Simulations.Simulation simulation = access.simulation(id);
        String cron = schedules.validate("cron", body == null ? null : body.cron());
        simulations.schedule(simulation.id(), cron);
        schedules.follow(simulation.id(), cron);
        return view(access.simulation(id));
    }

    /** What re-embedding a simulation did, agent by agent. */
    record Reembedded(List<MemoryReembedding.Moved> agents) {
    }

    /**
     * Moves the memories of every agent of the simulation to this instance's embedder, one agent after another (see
     * {@code POST /api/v1/agents/{id}/reembed}); agents already on it are left as they are.
     */
    @Admitted
    @PostMapping("/{id}/reembed")
    Reembedded reembed(@PathVariable String id) {
        Simulations.Simulation simulation = access.simulation(id);
        return new Reembedded(agents.inSimulation(simulation.id()).stream()
                .map(agent -> reembedding.reembed(agent.id())).toList());
    }

    /** An agent with its seed memories, stored as observations at the simulation's clock and rated in one call. */
    @Admitted
    @PostMapping("/{id}/agents")
    @ResponseStatus(HttpStatus.CREATED)
    AgentCreated addAgent(@PathVariable String id, @RequestBody CreateAgent request) {
        Simulations.Simulation simulation = access.simulation(id);
        String name = AgentsAccess.text("name", request.name(), 200, true);
        String traits = AgentsAccess.text("traits", request.traits(), 4000, false);
        String location = AgentsAccess.text("location", request.location(), 500, false);
        List<String> seeds = request.memories() == null ? List.of() : request.memories();
        if (seeds.size() > MAX_SEED_MEMORIES) {
            throw LoreException.invalid("memories holds " + seeds.size() + " seed memories; at most "
                    + MAX_SEED_MEMORIES + " at once");
        }
        List<NewMemory> seeded = new ArrayList<>();
        for (int i = 0; i < seeds.size(); i++) {
            String seed = AgentsAccess.text("memories[" + i + "]", seeds.get(i), AgentsAccess.MAX_TEXT, true);
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

    private SimulationView view(Simulations.Simulation simulation) {
        Map<UUID, ModelUse.Usage> usage = reports.usageByAgent(simulation.id());
        List<AgentSummary> members = agents.inSimulation(simulation.id()).stream()
                .map(agent -> new AgentSummary(agent.id(), agent.name(), agent.location(),
                        usage.get(agent.id())))
                .toList();
        SimulationReports.Operations operations = reports.operations(simulation.id());
        boolean stepping = operations.stepping() != null && operations.stepping().instance() != null;
        return new SimulationView(simulation.id(), simulation.name(), simulation.startsAt(), simulation.clock(),
                simulation.stepMinutes(), simulation.step(), stepping ? "stepping" : simulation.status(),
                simulation.schedule(), simulation.weights(), members, operations.stepping(), operations.lastError(),
                operations.lastErrorAt(), operations.consecutiveFailures(), operations.pausedReason(),
                operations.skippedTicks(), operations.usage());
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
}
