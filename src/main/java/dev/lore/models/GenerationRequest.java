package dev.lore.models;

import java.util.List;
import java.util.Objects;

/**
 * What to generate from: a conversation (a final assistant turn is continued where the backend allows it), sampling
 * options and, optionally, a JSON schema the answer must match where the backend enforces one
 * ({@link GeneratorCapabilities#structuredOutput()}; others ignore it).
 */
public record GenerationRequest(List<ChatMessage> messages, GenerationOptions options, ResponseSchema schema) {

    public GenerationRequest(List<ChatMessage> messages, GenerationOptions options) {
        this(messages, options, null);
    }

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

    public GenerationRequest withSchema(ResponseSchema value) {
        return new GenerationRequest(messages, options, value);
    }
}
