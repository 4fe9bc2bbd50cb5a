package dev.lore.models.local;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.lore.models.Cancellation;
import dev.lore.models.FinishReason;
import dev.lore.models.ModelUnavailable;
import dev.lore.models.TokenLogprob;
import dev.lore.web.LoreException;

/**
 * One GGUF model loaded through the shim, with a bounded pool of llama.cpp contexts and a bounded wait queue in
 * front of it.
 */
final class LlamaEngine implements AutoCloseable {

    static final String BACKEND = "local";

    private final Path file;
    private final long model;
    private final int embeddingSize;
    private final String chatTemplate;
    private final boolean gpu;
    private final List<Slot> slots = new ArrayList<>();
    private final BlockingQueue<Slot> idle;
    private final Semaphore admission;
    private final Duration queueTimeout;
    private volatile boolean closed;

    /** What one generation produced: the text, the sampled token ids and their log-probabilities. */
    record Sampled(String text, int[] tokenIds, List<TokenLogprob> logprobs, FinishReason finishReason) {
    }

    /** How to sample: {@code temperature} 0 is greedy; {@code stop} strings end the text before them. */
    record Sampling(float temperature, float topP, int seed, int maxTokens, List<String> stop, int topLogprobs,
            boolean logprobs) {
    }

    private LlamaEngine(LocalProperties properties) {
        this.file = properties.modelPath();
        this.queueTimeout = properties.queueTimeout();
        LlamaNative.bind(properties.library(), properties.nativeLog());
        requireGguf(file);
        this.model = LlamaNative.loadModel(file.toAbsolutePath().toString(), properties.gpuLayers());
        try {
            int[] shape = LlamaNative.modelShape(model);
            this.embeddingSize = shape[2];
            this.chatTemplate = LlamaNative.chatTemplate(model);
            this.gpu = properties.gpuLayers() > 0 && LlamaNative.supportsGpuOffload();
            int batch = Math.min(properties.contextSize(), 512);
            for (int i = 0; i < properties.contexts(); i++) {
                long context = LlamaNative.newContext(model, properties.contextSize(), batch, properties.threads(),
                        false);
                int[] contextShape = LlamaNative.contextShape(context);
                slots.add(new Slot(context, contextShape[0], contextShape[1]));
            }
        }
        catch (RuntimeException ex) {
            slots.forEach(slot -> LlamaNative.freeContext(slot.context));
            LlamaNative.freeModel(model);
            throw ex;
        }
        this.idle = new ArrayBlockingQueue<>(slots.size(), true, slots);
        this.admission = new Semaphore(slots.size() + properties.queueCapacity(), true);
    }

    static LlamaEngine open(LocalProperties properties) {
        if (properties.modelPath() == null) {
            throw new IllegalStateException("lore.local.model-path is required for the local engine");
        }
        return new LlamaEngine(properties);
    }

    private static void requireGguf(Path file) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new LlamaException("no readable GGUF model at " + file.toAbsolutePath());
        }
        byte[] magic = new byte[4];
        try (var in = Files.newInputStream(file)) {
            if (in.readNBytes(magic, 0, 4) != 4 || !"GGUF".equals(new String(magic, StandardCharsets.US_ASCII))) {
                throw new LlamaException(file.toAbsolutePath() + " is not a GGUF file (wrong magic bytes)");
            }
        }
        catch (java.io.IOException ex) {
            throw new LlamaException("cannot read " + file.toAbsolutePath() + ": " + ex.getMessage());
        }
    }

    Path file() {
        return file;
    }

    String chatTemplate() {
        return chatTemplate;
    }

    boolean gpu() {
        return gpu;
    }

    String description() {
        return LlamaNative.description(model);
    }

    int contexts() {
        return slots.size();
    }

    int idleContexts() {
        return idle.size();
    }

    int contextSize() {
        return slots.get(0).size;
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * Waits for a free context: answers busy at once when the queue is full, or after {@code queue-timeout} when no
     * context came free.
     */
    Slot acquire() {
        if (closed) {
            throw ModelUnavailable.down(BACKEND, new IllegalStateException("the local engine is closed"));
        }
        Duration retryAfter = queueTimeout.isZero() ? Duration.ofSeconds(1) : queueTimeout;
        if (!admission.tryAcquire()) {
            throw ModelUnavailable.busy(BACKEND, retryAfter);
        }
        Slot slot;
        try {
            slot = idle.poll(queueTimeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (InterruptedException ex) {
            admission.release();
            Thread.currentThread().interrupt();
            throw ModelUnavailable.down(BACKEND, ex);
        }
        if (slot == null) {
            admission.release();
            throw ModelUnavailable.busy(BACKEND, retryAfter);
        }
        return slot;
    }

    void release(Slot slot) {
        idle.add(slot);
        admission.release();
    }

    int[] tokenize(String text, boolean addSpecial, boolean parseSpecial) {
        return LlamaNative.tokenize(model, text.getBytes(StandardCharsets.UTF_8), addSpecial, parseSpecial);
    }

    String tokenText(int token) {
        return new String(LlamaNative.piece(model, token), StandardCharsets.UTF_8);
    }

    /** Generates from {@code prompt}, reusing whatever prefix of it the context already holds. */
    Sampled generate(Slot slot, int[] prompt, Sampling sampling, Consumer<String> onText, Cancellation cancellation) {
        if (prompt.length == 0) {
            throw LoreException.invalid("the prompt has no tokens");
        }
        fit(slot, prompt.length + 1);
        long sampler = LlamaNative.newSampler(sampling.temperature(), sampling.topP(), sampling.seed());
        try {
            int[] lastIndex = new int[1];
            slot.prefill(this, prompt, prompt.length - 1, (batchIndex, tokenIndex) -> lastIndex[0] = batchIndex);
            int[] generated = new int[Math.min(sampling.maxTokens(), slot.size - prompt.length)];
            int count = 0;
            List<TokenLogprob> logprobs = new ArrayList<>();
            TextSink text = new TextSink(sampling.stop(), onText);
            FinishReason reason = FinishReason.LENGTH;
            while (count < generated.length) {
                if (cancellation.isCancelled()) {
                    reason = FinishReason.CANCELLED;
                    break;
                }
                int token = LlamaNative.sample(sampler, slot.context, lastIndex[0]);
                if (LlamaNative.isEndOfGeneration(model, token)) {
                    reason = FinishReason.STOP;
                    break;
                }
                if (sampling.logprobs()) {
                    logprobs.add(logprob(slot, lastIndex[0], token, sampling.topLogprobs()));
                }
                generated[count++] = token;
                if (text.append(LlamaNative.piece(model, token))) {
                    reason = FinishReason.STOP;
                    break;
                }
                if (count == generated.length) {
                    break;
                }
                slot.append(this, token);
                lastIndex[0] = 0;
            }
            return new Sampled(text.finish(), Arrays.copyOf(generated, count), logprobs, reason);
        }
        finally {
            LlamaNative.freeSampler(sampler);
        }
    }

    /** The log-probability of each token of {@code continuation} after {@code prompt}, from one batched pass. */
    List<TokenLogprob> score(Slot slot, int[] prompt, int[] continuation, int topLogprobs) {
        if (continuation.length == 0) {
            return List.of();
        }
        if (prompt.length == 0) {
            throw LoreException.invalid("scoring needs a non-empty prompt");
        }
        int[] all = Arrays.copyOf(prompt, prompt.length + continuation.length);
        System.arraycopy(continuation, 0, all, prompt.length, continuation.length);
        fit(slot, all.length);
        List<TokenLogprob> result = new ArrayList<>(continuation.length);
        slot.prefill(this, all, prompt.length - 1, (batchIndex, tokenIndex) -> {
            if (tokenIndex + 1 < all.length) {
                result.add(logprob(slot, batchIndex, all[tokenIndex + 1], topLogprobs));
            }
        });
        return result;
    }

    /** The mean of the last layer's token embeddings of {@code tokens}, L2-normalised. */
    float[] embed(Slot slot, int[] tokens) {
        fit(slot, tokens.length);
        slot.forget();
        LlamaNative.setEmbeddings(slot.context, true);
        try {
            float[] sum = new float[embeddingSize];
            for (int start = 0; start < tokens.length; start += slot.batch) {
                int length = Math.min(slot.batch, tokens.length - start);
                LlamaNative.decode(slot.context, model, tokens, start, length, start, 0);
                float[] mean = LlamaNative.meanEmbedding(slot.context, model, length);
                for (int d = 0; d < sum.length; d++) {
                    sum[d] += mean[d] * length / tokens.length;
                }
            }
            double norm = 0;
            for (float value : sum) {
                norm += value * value;
            }
            float scale = norm == 0 ? 1 : (float) (1 / Math.sqrt(norm));
            for (int d = 0; d < sum.length; d++) {
                sum[d] *= scale;
            }
            return sum;
        }
        finally {
            LlamaNative.setEmbeddings(slot.context, false);
            slot.forget();
        }
    }

    private TokenLogprob logprob(Slot slot, int batchIndex, int token, int top) {
        int[] ids = new int[top];
        float[] values = new float[top];
        float logprob = LlamaNative.logprobs(slot.context, model, batchIndex, token, ids, values);
        List<TokenLogprob.Alternative> alternatives = new ArrayList<>(top);
        for (int i = 0; i < top; i++) {
            alternatives.add(new TokenLogprob.Alternative(tokenText(ids[i]), values[i]));
        }
        return new TokenLogprob(tokenText(token), logprob, alternatives);
    }

    private void fit(Slot slot, int tokens) {
        if (tokens > slot.size) {
            throw LoreException.invalid("the request needs " + tokens + " tokens but the local model's context "
                    + "holds " + slot.size + " (lore.local.context-size)");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        int returned = 0;
        try {
            while (returned < slots.size() && idle.poll(30, TimeUnit.SECONDS) != null) {
                returned++;
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        if (returned < slots.size()) {
            // a request still runs on a context: freeing the model under it would crash the JVM, leaking does not
            return;
        }
        slots.forEach(slot -> LlamaNative.freeContext(slot.context));
        LlamaNative.freeModel(model);
    }

    /** A logits callback: the batch index of a token's logits and the token's index in the sequence. */
    @FunctionalInterface
    interface LogitsReady {
        void at(int batchIndex, int tokenIndex);
    }

    /** One llama.cpp context and the token sequence its KV cache holds, so a shared prefix is not decoded again. */
    static final class Slot {

        final long context;
        final int size;
        final int batch;
        private int[] held = new int[0];
        private int heldLength;
        private long decoded;

        Slot(long context, int size, int batch) {
            this.context = context;
            this.size = size;
            this.batch = batch;
        }

        /** How many tokens this context has decoded in all. */
        long decoded() {
            return decoded;
        }

        /**
         * Makes the cache hold {@code tokens}, decoding only the suffix after the longest prefix it already holds,
         * and reports the logits of every token from index {@code logitsFrom} on.
         */
        void prefill(LlamaEngine engine, int[] tokens, int logitsFrom, LogitsReady ready) {
            int common = 0;
            while (common < heldLength && common < tokens.length && held[common] == tokens[common]) {
                common++;
            }
            int keep = Math.min(common, Math.min(logitsFrom, tokens.length - 1));
            if (!LlamaNative.truncate(context, keep)) {
                LlamaNative.truncate(context, 0);
                keep = 0;
            }
            heldLength = keep;
            held = Arrays.copyOf(tokens, tokens.length);
            try {
                for (int start = keep; start < tokens.length; start += batch) {
                    int length = Math.min(batch, tokens.length - start);
                    LlamaNative.decode(context, engine.model, tokens, start, length, start,
                            Math.max(0, logitsFrom - start));
                    heldLength = start + length;
                    decoded += length;
                    for (int i = Math.max(logitsFrom, start); i < start + length; i++) {
                        ready.at(i - start, i);
                    }
                }
            }
            catch (RuntimeException ex) {
                forget();
                throw ex;
            }
        }

        void append(LlamaEngine engine, int token) {
            if (heldLength == held.length) {
                held = Arrays.copyOf(held, Math.max(16, held.length * 2));
            }
            held[heldLength] = token;
            try {
                LlamaNative.decode(context, engine.model, held, heldLength, 1, heldLength, 0);
            }
            catch (RuntimeException ex) {
                forget();
                throw ex;
            }
            heldLength++;
            decoded++;
        }

        void forget() {
            LlamaNative.truncate(context, 0);
            heldLength = 0;
        }
    }
}
