package dev.lore.answers;

import java.util.Locale;

import dev.lore.web.LoreException;

/** How an answer retrieves: once with the question, once with HyDE, or actively while it writes (FLARE). */
public enum Strategy {
    SINGLE, HYDE, FLARE;

    public static Strategy parse(String value) {
        if (value == null) {
            return SINGLE;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "single" -> SINGLE;
            case "hyde" -> HYDE;
            case "flare" -> FLARE;
            default -> throw LoreException.invalid(
                    "strategy must be single, hyde or flare, not '" + value + "'");
        };
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
