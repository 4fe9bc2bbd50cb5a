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
 * front of it. Every use of the native model holds a lease, so {@link #close()} never frees memory a request or a
 * health probe is still reading: it aborts running decodes and the last lease out frees the model.
 */
final class LlamaEngine implements AutoCloseable {

    static final String BACKEND = "local";

    private final Path file;
    private final long model;
    private final int vocabulary;
    private final int layers;
    private final String chatTemplate;
    private final Offload offload;
    private final List<Slot> slots = new ArrayList<>();
    private final BlockingQueue<Slot> idle;
    private final Semaphore admission;
    private final Duration queueTimeout;
    private final Object leaseLock = new Object();
    private int leases;
    private volatile boolean closed;
    private boolean freed;

    /** What one generation produced: the text, the sampled token ids and their log-probabilities. */
    record Sampled(String text, int[] tokenIds, List<TokenLogprob> logprobs, FinishReason finishReason) {
    }

    /** How to sample: {@code temperature} 0 is greedy; {@code stop} strings end the text before them. */
    record Sampling(float temperature, float topP, int seed, int maxTokens, List<String> stop, int topLogprobs,
            boolean logprobs) {
    }

    /**
     * Where the model's layers run: {@code offloaded} of {@code layers} (the repeating layers plus the output
     * layer, as llama.cpp counts them) on {@code device}, the rest on the CPU.
     */
    record Offload(int requested, int offloaded, int layers, String device) {
    }

    private LlamaEngine(LocalProperties properties) {
        this.file = properties.modelPath();
        this.queueTimeout = properties.queueTimeout();
        LlamaNative.bind(properties.library(), properties.nativeLog());
        requireGguf(file);
        this.model = LlamaNative.loadModel(LlamaNative.bytes(file.toAbsolutePath().toString()),
                properties.gpuLayers());
        try {
            int[] shape = LlamaNative.modelShape(model);
            this.vocabulary = shape[0];
            this.layers = shape[3];
            this.chatTemplate = LlamaNative.text(LlamaNative.chatTemplate(model));
            this.offload = offload(properties.gpuLayers(), layers);
            int batch = Math.min(properties.contextSize(), 512);
            for (int i = 0; i < properties.contexts(); i++) {
                long context = LlamaNative.newContext(model, properties.contextSize(), batch, properties.threads());
                int[] contextShape = LlamaNative.contextShape(context);
                // llama.cpp rounds n_ctx up to a multiple of 256; Lore's limit stays the configured size
                slots.add(new Slot(context, Math.min(properties.contextSize(), contextShape[0]), contextShape[1]));
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

    /**
     * llama.cpp offloads min(gpu-layers, layers + 1) layers when it has a GPU device, and none otherwise (it then
     * ignores gpu-layers).
     */
    private static Offload offload(int requested, int layers) {
        String gpu = null;
        for (String device : LlamaNative.devices()) {
            String[] parts = device.split("\\|", 3);
            if (gpu == null && (parts[0].equals("gpu") || parts[0].equals("igpu"))) {
                gpu = parts[1] + (parts.length > 2 && !parts[2].isBlank() ? " (" + parts[2] + ")" : "");
            }
        }
        int offloaded = gpu == null ? 0 : Math.min(requested, layers + 1);
        return new Offload(requested, offloaded, layers + 1, offloaded > 0 ? gpu : "CPU");
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

    Offload offload() {
        return offload;
    }

    boolean gpu() {
        return offload.offloaded() > 0;
    }

    int vocabulary() {
        return vocabulary;
    }

    /** llama.cpp's description of the model, or null once the engine is closed. */
    String description() {
        if (!enter()) {
            return null;
        }
        try {
            return LlamaNative.text(LlamaNative.description(model));
        }
        finally {
            exit();
        }
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

    /** Takes a lease on the native model; false once the engine is closed. */
    private boolean enter() {
        synchronized (leaseLock) {
            if (closed) {
                return false;
            }
            leases++;
            return true;
        }
    }

    private void exit() {
        synchronized (leaseLock) {
            leases--;
            if (closed && leases == 0) {
                free();
            }
        }
    }

    private void requireOpen() {
        if (!enter()) {
            throw ModelUnavailable.down(BACKEND, new IllegalStateException("the local engine is closed"));
        }
    }

    /**
     * Waits for a free context: answers busy at once when the queue is full, or after {@code queue-timeout} when no
     * context came free. The slot holds a lease on the model until {@link #release}.
     */
    Slot acquire() {
        requireOpen();
        boolean leased = true;
        try {
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
            leased = false;
            return slot;
        }
        finally {
            if (leased) {
                exit();
            }
        }
    }

    void release(Slot slot) {
        idle.add(slot);
        admission.release();
        exit();
    }

    int[] tokenize(String text, boolean addSpecial, boolean parseSpecial) {
        requireOpen();
        try {
            return LlamaNative.tokenize(model, text.getBytes(StandardCharsets.UTF_8), addSpecial, parseSpecial);
        }
        finally {
            exit();
        }
    }

    /** Tokenizes a prompt piece by piece: specials are parsed only in the pieces marked as template scaffolding. */
    int[] tokenize(List<ChatFormat.Segment> segments, boolean addSpecial) {
        requireOpen();
        try {
            int[] all = new int[0];
            boolean first = true;
            for (ChatFormat.Segment segment : merged(segments)) {
                if (segment.text().isEmpty()) {
                    continue;
                }
                int[] tokens = LlamaNative.tokenize(model, segment.text().getBytes(StandardCharsets.UTF_8),
                        first && addSpecial, segment.scaffolding());
                first = false;
                int at = all.length;
                all = Arrays.copyOf(all, at + tokens.length);
                System.arraycopy(tokens, 0, all, at, tokens.length);
            }
            if (first && addSpecial) {
                return LlamaNative.tokenize(model, new byte[0], true, false);
            }
            return all;
        }
        finally {
            exit();
        }
    }

    /** Joins neighbouring segments of the same kind, so text is split only where specials start or end. */
    private static List<ChatFormat.Segment> merged(List<ChatFormat.Segment> segments) {
        List<ChatFormat.Segment> merged = new ArrayList<>(segments.size());
        for (ChatFormat.Segment segment : segments) {
            int last = merged.size() - 1;
            if (last >= 0 && merged.get(last).scaffolding() == segment.scaffolding()) {
                merged.set(last, new ChatFormat.Segment(merged.get(last).text() + segment.text(),
                        segment.scaffolding()));
            }
            else {
                merged.add(segment);
            }
        }
        return merged;
    }

    String tokenText(int token) {
        return new String(LlamaNative.piece(model, token), StandardCharsets.UTF_8);
    }

    /** Generates from {@code prompt}, reusing whatever prefix of it the context already holds. */
    Sampled generate(Slot slot, int[] prompt, Sampling sampling, Consumer<String> onText, Cancellation cancellation) {
        if (prompt.length == 0) {
            throw LoreException.invalid("the prompt has no tokens");
        }
        requireTokens(prompt);
        fit(slot, prompt.length + 1);
        long sampler = LlamaNative.newSampler(sampling.temperature(), sampling.topP(), sampling.seed());
        try {
            int[] lastIndex = new int[1];
            int[] generated = new int[Math.min(sampling.maxTokens(), slot.size - prompt.length)];
            int count = 0;
            List<TokenLogprob> logprobs = new ArrayList<>();
            TextSink text = new TextSink(sampling.stop(), onText);
            if (!slot.prefill(this, prompt, prompt.length - 1, (batchIndex, tokenIndex) -> lastIndex[0] = batchIndex,
                    cancellation)) {
                return new Sampled("", new int[0], List.of(), FinishReason.CANCELLED);
            }
            FinishReason reason = FinishReason.LENGTH;
            while (count < generated.length) {
                if (cancellation.isCancelled() || closed) {
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
                if (!slot.append(this, token)) {
                    reason = FinishReason.CANCELLED;
                    break;
                }
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
        requireTokens(all);
        fit(slot, all.length);
        List<TokenLogprob> result = new ArrayList<>(continuation.length);
        boolean complete = slot.prefill(this, all, prompt.length - 1, (batchIndex, tokenIndex) -> {
            if (tokenIndex + 1 < all.length) {
                result.add(logprob(slot, batchIndex, all[tokenIndex + 1], topLogprobs));
            }
        }, Cancellation.none());
        if (!complete) {
            throw ModelUnavailable.down(BACKEND, new IllegalStateException("the local engine is closing"));
        }
        return result;
    }

    private TokenLogprob logprob(Slot slot, int batchIndex, int token, int top) {
        int[] ids = new int[top];
        float[] values = new float[top];
        float logprob = LlamaNative.logprobs(slot.context, batchIndex, token, ids, values);
        List<TokenLogprob.Alternative> alternatives = new ArrayList<>(top);
        for (int i = 0; i < top; i++) {
            alternatives.add(new TokenLogprob.Alternative(tokenText(ids[i]), values[i]));
        }
        return new TokenLogprob(tokenText(token), logprob, alternatives);
    }

    private void requireTokens(int[] tokens) {
        for (int token : tokens) {
            if (token < 0 || token >= vocabulary) {
                throw LoreException.invalid("token id " + token + " is outside the local model's vocabulary of "
                        + vocabulary);
            }
        }
    }

    private void fit(Slot slot, int tokens) {
        if (tokens > slot.size) {
            throw LoreException.invalid("the request needs " + tokens + " tokens but the local model's context "
                    + "holds " + slot.size + " (lore.local.context-size)");
        }
    }

    /**
     * Stops taking requests, aborts the decodes still running (they end as cancelled), and frees the model as soon
     * as the last lease is returned: now when nothing runs, otherwise when the last running request ends.
     */
    @Override
    public void close() {
        synchronized (leaseLock) {
            if (closed) {
                return;
            }
            closed = true;
            slots.forEach(slot -> LlamaNative.abort(slot.context, true));
            if (leases == 0) {
                free();
            }
        }
    }

    private void free() {
        if (!freed) {
            freed = true;
            slots.forEach(slot -> LlamaNative.freeContext(slot.context));
            LlamaNative.freeModel(model);
        }
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
         * and reports the logits of every token from index {@code logitsFrom} on. Checks {@code cancellation}
         * between batches; false when it or {@link LlamaEngine#close()} stopped the decode.
         */
        boolean prefill(LlamaEngine engine, int[] tokens, int logitsFrom, LogitsReady ready,
                Cancellation cancellation) {
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
                    if (cancellation.isCancelled()) {
                        return false;
                    }
                    int length = Math.min(batch, tokens.length - start);
                    if (!LlamaNative.decode(context, tokens, start, length, start, Math.max(0, logitsFrom - start))) {
                        forget();
                        return false;
                    }
                    heldLength = start + length;
                    decoded += length;
                    for (int i = Math.max(logitsFrom, start); i < start + length; i++) {
                        ready.at(i - start, i);
                    }
                }
                return true;
            }
            catch (RuntimeException ex) {
                forget();
                throw ex;
            }
        }

        /** Decodes one more token; false when {@link LlamaEngine#close()} aborted it. */
        boolean append(LlamaEngine engine, int token) {
            if (heldLength == held.length) {
                held = Arrays.copyOf(held, Math.max(16, held.length * 2));
            }
            held[heldLength] = token;
            try {
                if (!LlamaNative.decode(context, held, heldLength, 1, heldLength, 0)) {
                    forget();
                    return false;
                }
            }
            catch (RuntimeException ex) {
                forget();
                throw ex;
            }
            heldLength++;
            decoded++;
            return true;
        }

        void forget() {
            LlamaNative.truncate(context, 0);
            heldLength = 0;
        }
    }
}
