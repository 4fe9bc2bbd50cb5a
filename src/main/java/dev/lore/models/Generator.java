package dev.lore.models;

import java.util.List;
import java.util.function.Consumer;

/**
 * A text generation backend: completes a conversation, streams tokens, and where it can, reports per-token
 * log-probabilities and scores a given continuation.
 */
public interface Generator {

    /** The backend and model, e.g. {@code openai:gpt-4o-mini} or {@code local:model.gguf}. */
    String name();

    GeneratorCapabilities capabilities();

    default boolean supportsLogprobs() {
        return capabilities().logprobs();
    }

    default boolean supportsScoring() {
        return capabilities().scoring();
    }

    /** Whether the backend holds answers to a request's {@link ResponseSchema}. */
    default boolean supportsStructuredOutput() {
        return capabilities().structuredOutput();
    }

    /**
     * Generates {@code options.n()} completions.
     *
     * @throws ModelUnavailable when the backend cannot be reached, is overloaded or keeps failing
     * @throws ModelFailure when the backend answers something Lore cannot use
     */
    Generation generate(GenerationRequest request);

    /**
     * Generates one completion, handing each piece of text to {@code onToken} as it arrives, until done or
     * {@code cancellation} is set (the result then ends with {@link FinishReason#CANCELLED}). Backends without
     * streaming deliver the whole text as one piece.
     */
    Generation stream(GenerationRequest request, Consumer<String> onToken, Cancellation cancellation);

    /**
     * The log-probability of each token of {@code continuation} when it follows {@code messages} as the
     * assistant's answer.
     *
     * @throws UnsupportedOperationException when {@link #supportsScoring()} is false
     */
    default List<TokenLogprob> score(List<ChatMessage> messages, String continuation, int topLogprobs) {
        throw new UnsupportedOperationException(name() + " cannot score a continuation");
    }
}
