package dev.lore.agents.simulation;

import java.time.LocalDateTime;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What an agent did in a step: at simulation time {@code at}, {@code action} at {@code location}; {@code kind} says
 * why ({@code plan}: following it, {@code idle}: nothing planned, {@code react}: changed plans over something it
 * perceived, {@code talk}: in a conversation, with {@code with} the other agent); {@code unreadable} names the
 * prompts whose answers could not be read, even when asked again, so that a fallback took their place.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SimulationEvent(UUID agentId, String agent, LocalDateTime at, String action, String location,
        String kind, UUID with, List<String> unreadable) {
}
