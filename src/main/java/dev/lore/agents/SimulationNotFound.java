package dev.lore.agents;

import org.springframework.http.HttpStatus;

import dev.lore.web.LoreException;

/** A simulation that does not exist, or that the caller's key may not see: the two look the same. */
public final class SimulationNotFound extends LoreException {

    private SimulationNotFound(String id) {
        super(HttpStatus.NOT_FOUND, "simulation-not-found", "Simulation not found",
                "No simulation with id '" + id + "'");
    }

    public static SimulationNotFound withId(String id) {
        return new SimulationNotFound(id);
    }
}
