package dev.lore.models;

/**
 * What a generator backend can do, so callers choose an algorithm by capability and never by provider.
 *
 * @param logprobs per-token log-probabilities with alternatives
 * @param streaming tokens delivered as they are produced
 * @param n several completions in one call
 * @param scoring log-probabilities of a supplied continuation ({@link Generator#score})
 * @param gpu the model runs (at least partly) on a GPU
 * @param structuredOutput answers are held to a request's {@link ResponseSchema} by the backend itself
 */
public record GeneratorCapabilities(boolean logprobs, boolean streaming, boolean n, boolean scoring, boolean gpu,
        boolean structuredOutput) {

    /** A backend that does not enforce schemas. */
    public GeneratorCapabilities(boolean logprobs, boolean streaming, boolean n, boolean scoring, boolean gpu) {
        this(logprobs, streaming, n, scoring, gpu, false);
    }
}
