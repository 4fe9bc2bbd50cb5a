package dev.lore.security;

import java.util.Locale;

import dev.lore.web.LoreException;

/**
 * What a key may do: {@code read} and {@code write} on the collections it is given; {@code agents}: create simulations
 * and use its own, whatever its collections.
 */
public enum Permission {
    READ, WRITE, AGENTS;

    public static Permission parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        }
        catch (IllegalArgumentException | NullPointerException e) {
            throw LoreException.invalid("Unknown permission '" + value + "' (expected read, write or agents)");
        }
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
