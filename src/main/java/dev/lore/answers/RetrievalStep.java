package dev.lore.answers;

import java.util.List;
import java.util.UUID;

/**
 * One retrieval an answer made: its query, why ({@code initial}, {@code low-confidence}, {@code instruct},
 * {@code follow-up}), the chunks it brought, and the low-confidence tokens that triggered it.
 */
public record RetrievalStep(String query, String reason, List<UUID> chunkIds, List<Trigger> trigger) {

    /** A generated token whose probability fell below the threshold. */
    public record Trigger(String token, double p) {
    }

    public RetrievalStep {
        chunkIds = List.copyOf(chunkIds);
        trigger = List.copyOf(trigger);
    }
}
