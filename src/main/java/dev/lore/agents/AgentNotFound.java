package dev.lore.agents;

import java.util.UUID;

import org.springframework.http.HttpStatus;

import dev.lore.web.LoreException;

/** An agent that does not exist, or that the caller's key may not see: the two look the same. */
public final class AgentNotFound extends LoreException {

    private AgentNotFound(String id) {
        super(HttpStatus.NOT_FOUND, "agent-not-found", "Agent not found", "No agent with id '" + id + "'");
    }

    public static AgentNotFound withId(UUID id) {
        return new AgentNotFound(String.valueOf(id));
    }

    public static AgentNotFound withId(String id) {
        return new AgentNotFound(id);
    }
}
