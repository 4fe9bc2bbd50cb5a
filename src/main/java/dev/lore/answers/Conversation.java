package dev.lore.answers;

import java.util.List;

import dev.lore.models.ChatMessage;

/**
 * What a chat adds to a question: the standalone query to retrieve with (a follow-up rewritten from the turns before
 * it) and the earlier turns the answer prompt carries, already cut to their token budget.
 */
public record Conversation(String retrievalQuery, List<ChatMessage> history) {

    /** A question asked on its own. */
    public static final Conversation NONE = new Conversation(null, List.of());

    public Conversation {
        history = List.copyOf(history);
    }

    boolean followUp() {
        return retrievalQuery != null;
    }
}
