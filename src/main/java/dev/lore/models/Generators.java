package dev.lore.models;

import java.util.Optional;

/** The configured generators by role; an empty answer means the role has no backend ({@code lore.generator=none}). */
public interface Generators {

    Optional<Generator> forRole(GeneratorRole role);

    default Optional<Generator> generator() {
        return forRole(GeneratorRole.GENERATOR);
    }

    default Optional<Generator> scorer() {
        return forRole(GeneratorRole.SCORER);
    }
}
