package dev.lore.agents.memory;

import java.util.Locale;

import dev.lore.web.LoreException;

/** What a memory records: something perceived, an insight, a plan, or a conversation. */
public enum MemoryKind {
    OBSERVATION, REFLECTION, PLAN, CHAT;

    public static MemoryKind parse(String value) {
        if (value == null) {
            return OBSERVATION;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        }
        catch (IllegalArgumentException e) {
            throw LoreException.invalid("Unknown memory kind '" + value
                    + "' (expected observation, reflection, plan or chat)");
        }
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
