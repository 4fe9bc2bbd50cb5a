package dev.lore.models;

/** Why a completion ended. */
public enum FinishReason {
    /** The model ended its turn or hit a stop string. */
    STOP,
    /** The token limit was reached. */
    LENGTH,
    /** The caller cancelled the generation. */
    CANCELLED,
    /** The backend filtered the content, or gave a reason Lore does not know. */
    OTHER;

    /**
     * Reads a backend's own word for why it stopped: OpenAI's and Ollama's {@code stop}/{@code length}, Anthropic's
     * {@code end_turn}/{@code stop_sequence}/{@code max_tokens}; {@code null} or anything else is {@link #OTHER}.
     */
    public static FinishReason fromWire(String reason) {
        if (reason == null) {
            return OTHER;
        }
        return switch (reason.toLowerCase(java.util.Locale.ROOT)) {
            case "end_turn", "stop_sequence", "stop" -> STOP;
            case "max_tokens", "length" -> LENGTH;
            default -> OTHER;
        };
    }
}
