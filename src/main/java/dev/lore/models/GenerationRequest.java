package dev.lore.models;

import java.util.List;
import java.util.Objects;

/**
 * What to generate from: a conversation (a final assistant turn is continued where the backend allows it) and
 * sampling options.
 */
public record GenerationRequest(List<ChatMessage> messages, GenerationOptions options) {

    public GenerationRequest {
        Objects.requireNonNull(messages, "messages");
        messages = List.copyOf(messages);
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("a generation needs at least one message");
        }
        options = options == null ? GenerationOptions.DEFAULTS : options;
    }

    public static GenerationRequest of(String userPrompt, GenerationOptions options) {
        return new GenerationRequest(List.of(ChatMessage.user(userPrompt)), options);
    }
}
