package dev.lore.retrieval;

import java.util.Locale;

import dev.lore.web.LoreException;

/** How candidates are found: by vector similarity, by words, or both fused. */
public enum SearchMode {
    DENSE, LEXICAL, HYBRID;

    public static SearchMode parse(String value) {
        if (value == null) {
            return HYBRID;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        }
        catch (IllegalArgumentException e) {
            throw LoreException.invalid("mode must be dense, lexical or hybrid, not '" + value + "'");
        }
    }
}
