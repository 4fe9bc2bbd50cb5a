package dev.lore.agents;

import java.util.UUID;

/** An agent as the prompts see it: who it is, what it is like and where it is. */
public record Agent(UUID id, UUID simulationId, String name, String traits, String location) {
}
