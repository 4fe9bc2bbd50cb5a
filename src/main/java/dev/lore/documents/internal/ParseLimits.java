package dev.lore.documents.internal;

import java.time.Duration;
import java.time.Instant;

/**
 * How much a single document's parse may take: characters of extracted text and wall-clock time. A hostile file (a
 * zip bomb, a PDF with millions of page references) must end as a readable failure, never as a worker stuck for
 * minutes or a heap full of text.
 */
public record ParseLimits(long maxCharacters, Duration timeout) {

    public ParseLimits {
        if (maxCharacters < 1 || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    /** The instant by which a parse starting now must be done. */
    Instant deadlineFrom(Instant start) {
        return start.plus(timeout);
    }
}
