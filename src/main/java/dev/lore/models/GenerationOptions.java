package dev.lore.models;

import java.util.List;

/**
 * Sampling settings for one generation; {@code null} leaves a setting to the backend's default.
 *
 * @param n how many independent completions to return (backends without {@code n} run them concurrently)
 * @param logprobs whether to return each generated token's log-probability
 * @param topLogprobs how many alternatives to return per token (0 to 20) when {@code logprobs} is set
 */
public record GenerationOptions(Double temperature, Double topP, Integer maxTokens, List<String> stop, Long seed,
        int n, boolean logprobs, int topLogprobs) {

    public static final GenerationOptions DEFAULTS = new GenerationOptions(null, null, null, List.of(), null, 1,
            false, 0);

    public GenerationOptions {
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (temperature != null && (temperature < 0 || temperature > 2)) {
            throw new IllegalArgumentException("temperature must be between 0 and 2, was " + temperature);
        }
        if (topP != null && (topP <= 0 || topP > 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], was " + topP);
        }
        if (maxTokens != null && maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be positive, was " + maxTokens);
        }
        if (n < 1 || n > 16) {
            throw new IllegalArgumentException("n must be between 1 and 16, was " + n);
        }
        if (topLogprobs < 0 || topLogprobs > 20) {
            throw new IllegalArgumentException("topLogprobs must be between 0 and 20, was " + topLogprobs);
        }
    }

    public GenerationOptions withTemperature(Double value) {
        return new GenerationOptions(value, topP, maxTokens, stop, seed, n, logprobs, topLogprobs);
    }

    public GenerationOptions withTopP(Double value) {
        return new GenerationOptions(temperature, value, maxTokens, stop, seed, n, logprobs, topLogprobs);
    }

    public GenerationOptions withMaxTokens(Integer value) {
        return new GenerationOptions(temperature, topP, value, stop, seed, n, logprobs, topLogprobs);
    }

    public GenerationOptions withStop(List<String> value) {
        return new GenerationOptions(temperature, topP, maxTokens, value, seed, n, logprobs, topLogprobs);
    }

    public GenerationOptions withSeed(Long value) {
        return new GenerationOptions(temperature, topP, maxTokens, stop, value, n, logprobs, topLogprobs);
    }

    public GenerationOptions withN(int value) {
        return new GenerationOptions(temperature, topP, maxTokens, stop, seed, value, logprobs, topLogprobs);
    }

    /** Asks for each token's log-probability and {@code top} alternatives. */
    public GenerationOptions withLogprobs(int top) {
        return new GenerationOptions(temperature, topP, maxTokens, stop, seed, n, true, top);
    }
}
