package dev.lore.documents;

/**
 * The overlap a cut section repeats at the start of its next chunk: the chunker starts the next piece with whole
 * units (paragraphs, lines, sentences) of the one before, each joined by a blank line. Reading chunks back in order
 * (a document reassembled from its chunks, a hit widened with its neighbours) takes that overlap out here, so both
 * agree on what a repeat is.
 */
public final class ChunkOverlap {

    static final String BETWEEN_UNITS = "\n\n";

    private ChunkOverlap() {
    }

    /**
     * {@code next} without the units it repeats from the end of {@code previous}: the repeated part ends at a blank
     * line of {@code next} and starts at one of {@code previous} (or its start).
     */
    public static String withoutOverlap(String previous, String next) {
        int overlap = -1;
        for (int at = next.indexOf(BETWEEN_UNITS); at > 0; at = next.indexOf(BETWEEN_UNITS, at + 1)) {
            int start = previous.length() - at;
            if (start >= 0 && previous.startsWith(next.substring(0, at), start)
                    && (start == 0 || previous.startsWith(BETWEEN_UNITS, start - 2))) {
                overlap = at;
            }
        }
        return overlap < 0 ? next : next.substring(overlap + BETWEEN_UNITS.length());
    }

    /** {@code text} followed by {@code next}, a blank line between, without the units {@code next} repeats. */
    public static String join(String text, String next) {
        if (text.isEmpty()) {
            return next;
        }
        String rest = withoutOverlap(text, next);
        return rest.isEmpty() ? text : text + BETWEEN_UNITS + rest;
    }
}
