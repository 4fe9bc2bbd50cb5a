package dev.lore.models.local;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

import dev.lore.models.Cancellation;
import dev.lore.models.ChatMessage;
import dev.lore.models.Completion;
import dev.lore.models.Generation;
import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.models.Generator;
import dev.lore.models.GeneratorCapabilities;
import dev.lore.models.ModelFailure;
import dev.lore.models.ResponseSchema;
import dev.lore.models.TokenLogprob;
import dev.lore.models.Usage;

/**
 * The {@code local} generator: a GGUF model run in-process by llama.cpp. Log-probabilities are the log-softmax of
 * the model's raw logits at each position, before temperature and top-p reshape the distribution for sampling, so
 * they mean the same for every sampling setting and match {@link #score}. A request's {@link ResponseSchema} is
 * enforced by sampling under the GBNF grammar llama.cpp builds from it; the log-probabilities stay the model's own,
 * before the grammar's mask, so G-Eval's expectation over a rating is the model's and not the grammar's.
 */
final class LocalGenerator implements Generator, AutoCloseable, HealthIndicator {

    private static final float DEFAULT_TEMPERATURE = 0.8f;
    private static final float DEFAULT_TOP_P = 0.95f;

    private final LlamaEngine engine;
    private final ChatFormat chatFormat;

    LocalGenerator(LlamaEngine engine) {
        this.engine = engine;
        this.chatFormat = new ChatFormat(engine.chatTemplate());
    }

    static LocalGenerator open(LocalProperties properties) {
        return new LocalGenerator(LlamaEngine.open(properties));
    }

    LlamaEngine engine() {
        return engine;
    }

    @Override
    public String name() {
        return LlamaEngine.BACKEND + ":" + engine.file().getFileName();
    }

    @Override
    public GeneratorCapabilities capabilities() {
        return new GeneratorCapabilities(true, true, true, true, engine.gpu(), true);
    }

    @Override
    public Generation generate(GenerationRequest request) {
        int[] prompt = promptTokens(request.messages());
        GenerationOptions options = request.options();
        String grammar = grammar(request.schema());
        List<Completion> completions = new ArrayList<>(options.n());
        long completionTokens = 0;
        LlamaEngine.Slot slot = engine.acquire(prompt);
        try {
            for (int i = 0; i < options.n(); i++) {
                LlamaEngine.Sampling sampling = sampling(options, i, engine.referenceCopyTokens()).withGrammar(grammar);
                LlamaEngine.Sampled sampled = run(() -> engine.generate(slot, prompt, sampling, text -> {
                }, Cancellation.none()));
                completions.add(completion(sampled));
                completionTokens += sampled.tokenIds().length;
            }
        }
        finally {
            engine.release(slot);
        }
        return new Generation(name(), completions, new Usage(prompt.length, completionTokens));
    }

    @Override
    public Generation stream(GenerationRequest request, Consumer<String> onToken, Cancellation cancellation) {
        int[] prompt = promptTokens(request.messages());
        LlamaEngine.Sampled sampled = sampleOne(prompt, request.options(), grammar(request.schema()), onToken,
                cancellation);
        return new Generation(name(), List.of(completion(sampled)),
                new Usage(prompt.length, sampled.tokenIds().length));
    }

    /** One completion with its token ids, for callers (and tests) that need the exact tokens. */
    LlamaEngine.Sampled sampleOne(GenerationRequest request, Consumer<String> onToken, Cancellation cancellation) {
        return sampleOne(promptTokens(request.messages()), request.options(), grammar(request.schema()), onToken,
                cancellation);
    }

    private LlamaEngine.Sampled sampleOne(int[] prompt, GenerationOptions options, String grammar,
            Consumer<String> onToken, Cancellation cancellation) {
        LlamaEngine.Slot slot = engine.acquire(prompt);
        try {
            LlamaEngine.Sampling sampling = sampling(options, 0, engine.referenceCopyTokens()).withGrammar(grammar);
            return run(() -> engine.generate(slot, prompt, sampling, onToken, cancellation));
        }
        finally {
            engine.release(slot);
        }
    }

    @Override
    public List<TokenLogprob> score(List<ChatMessage> messages, String continuation, int topLogprobs) {
        if (topLogprobs < 0 || topLogprobs > 20) {
            throw new IllegalArgumentException("topLogprobs must be between 0 and 20, was " + topLogprobs);
        }
        List<ChatFormat.Segment> segments = chatFormat.segments(messages);
        int[] prompt = engine.tokenize(segments, true);
        int[] whole = engine.tokenize(withContinuation(segments, continuation), true);
        int[] tokens = startsWith(whole, prompt) ? Arrays.copyOfRange(whole, prompt.length, whole.length)
                : engine.tokenize(continuation, false, false);
        return scoreTokens(prompt, tokens, topLogprobs);
    }

    /** Scores exact token ids, e.g. the ones a generation sampled. */
    List<TokenLogprob> scoreTokens(int[] prompt, int[] continuation, int topLogprobs) {
        LlamaEngine.Slot slot = engine.acquire(prompt);
        try {
            return run(() -> engine.score(slot, prompt, continuation, topLogprobs));
        }
        finally {
            engine.release(slot);
        }
    }

    /** The grammar a schema is enforced by, or null without one. */
    private String grammar(ResponseSchema schema) {
        return schema == null ? null : run(() -> engine.grammar(schema));
    }

    int[] promptTokens(List<ChatMessage> messages) {
        return engine.tokenize(chatFormat.segments(messages), true);
    }

    /** The continuation joins a final content segment (a continued assistant turn) or follows as content. */
    private static List<ChatFormat.Segment> withContinuation(List<ChatFormat.Segment> segments, String continuation) {
        List<ChatFormat.Segment> whole = new ArrayList<>(segments);
        ChatFormat.Segment last = whole.isEmpty() ? null : whole.get(whole.size() - 1);
        if (last != null && !last.scaffolding()) {
            whole.set(whole.size() - 1, new ChatFormat.Segment(last.text() + continuation, false));
        }
        else {
            whole.add(new ChatFormat.Segment(continuation, false));
        }
        return whole;
    }

    @Override
    public Health health() {
        String description = engine.description();
        if (description == null) {
            return Health.down().withDetail("model", name()).withDetail("reason", "closed").build();
        }
        LlamaEngine.Offload offload = engine.offload();
        return Health.up()
            .withDetail("model", name())
            .withDetail("description", description)
            .withDetail("library", LlamaNative.identity())
            .withDetail("contexts", engine.contexts())
            .withDetail("idleContexts", engine.idleContexts())
            .withDetail("contextSize", engine.contextSize())
            .withDetail("decodedTokens", engine.decodedTokens())
            .withDetail("gpu", engine.gpu())
            .withDetail("gpuLayersRequested", offload.requested())
            .withDetail("offloadedLayers", offload.offloaded())
            .withDetail("layers", offload.layers())
            .withDetail("device", offload.device())
            .withDetail("chatTemplate", chatFormat.usesModelTemplate() ? "model" : "fallback")
            .build();
    }

    @Override
    public void close() {
        engine.close();
    }

    private static LlamaEngine.Sampling sampling(GenerationOptions options, int index, int draftTokens) {
        float temperature = options.temperature() == null ? DEFAULT_TEMPERATURE : options.temperature().floatValue();
        float topP = options.topP() == null ? DEFAULT_TOP_P : options.topP().floatValue();
        long seed = options.seed() == null ? ThreadLocalRandom.current().nextInt() : options.seed() + index;
        int maxTokens = options.maxTokens() == null ? Integer.MAX_VALUE : options.maxTokens();
        return new LlamaEngine.Sampling(temperature, topP, (int) seed, maxTokens, options.stop(),
                options.topLogprobs(), options.logprobs(), draftTokens, null);
    }

    private static Completion completion(LlamaEngine.Sampled sampled) {
        return new Completion(sampled.text(), sampled.logprobs(), sampled.finishReason());
    }

    private static boolean startsWith(int[] tokens, int[] prefix) {
        return tokens.length >= prefix.length && Arrays.equals(tokens, 0, prefix.length, prefix, 0, prefix.length);
    }

    private static <T> T run(java.util.function.Supplier<T> work) {
        try {
            return work.get();
        }
        catch (LlamaException ex) {
            throw ModelFailure.of(LlamaEngine.BACKEND, ex.getMessage(), ex);
        }
    }
}
