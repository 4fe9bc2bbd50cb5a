package dev.lore.models.local;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.lore.models.Cancellation;
import dev.lore.models.FinishReason;
import dev.lore.models.ModelUnavailable;
import dev.lore.models.ResponseSchema;
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
    private final Map<String, String> grammars = new ConcurrentHashMap<>();
    private final int vocabulary;
    private final int layers;
    private final String chatTemplate;
    private final Offload offload;
    private final List<Slot> slots = new ArrayList<>();
    private final BlockingQueue<Slot> idle;
    private final Semaphore admission;
    private final Duration queueTimeout;
    private final int referenceCopyTokens;
    private final Object leaseLock = new Object();
    private int leases;
    private volatile boolean closed;
    private boolean freed;

    /**
     * What one generation produced: the text, the sampled token ids and their log-probabilities; {@code drafted}
     * and {@code accepted} count the reference-copy draft tokens proposed and kept.
     */
    record Sampled(String text, int[] tokenIds, List<TokenLogprob> logprobs, FinishReason finishReason, int drafted,
            int accepted) {

        Sampled(String text, int[] tokenIds, List<TokenLogprob> logprobs, FinishReason finishReason) {
            this(text, tokenIds, logprobs, finishReason, 0, 0);
        }
    }

    /**
     * How to sample: {@code temperature} 0 is greedy; {@code stop} strings end the text before them;
     * {@code draftTokens} is the most tokens reference-copy decoding proposes at once (greedy only; 0 turns it off);
     * {@code grammar}, when not null, is a GBNF grammar every sampled token is held to (see {@link #generate}).
     */
    record Sampling(float temperature, float topP, int seed, int maxTokens, List<String> stop, int topLogprobs,
            boolean logprobs, int draftTokens, String grammar) {

        Sampling(float temperature, float topP, int seed, int maxTokens, List<String> stop, int topLogprobs,
                boolean logprobs) {
            this(temperature, topP, seed, maxTokens, stop, topLogprobs, logprobs, 0, null);
        }

        Sampling withDraftTokens(int value) {
            return new Sampling(temperature, topP, seed, maxTokens, stop, topLogprobs, logprobs, value, grammar);
        }

        Sampling withGrammar(String value) {
            return new Sampling(temperature, topP, seed, maxTokens, stop, topLogprobs, logprobs, draftTokens, value);
        }
    }

    /**
     * Under a grammar, how many tokens before the limit generation starts closing the JSON (at most half the limit):
     * from there on the sampler prefers, among the tokens the grammar allows, the end of generation, then closing
     * quotes and brackets, then the comma a required property or item needs, and never whitespace. A JSON answer of
     * Lore's schemas closes within a few dozen tokens from anywhere, so a generation cut by its limit still ends as
     * text that parses, only shorter; one that cannot close in time ends with {@link FinishReason#LENGTH}.
     */
    static final int CLOSING_TOKENS = 64;

    /**
     * Where the model's layers run: {@code offloaded} of {@code layers} (the repeating layers plus the output
     * layer, as llama.cpp counts them) on {@code device}, the rest on the CPU.
     */
    record Offload(int requested, int offloaded, int layers, String device) {
    }

    private LlamaEngine(LocalProperties properties) {
        this.file = properties.modelPath();
        this.queueTimeout = properties.queueTimeout();
        this.referenceCopyTokens = properties.referenceCopyTokens();
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

    /** The most draft tokens reference-copy decoding proposes at once ({@code lore.local.reference-copy-tokens}). */
    int referenceCopyTokens() {
        return referenceCopyTokens;
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

    /**
     * {@link #acquire()}, then trades the slot for an idle one whose cache holds a longer prefix of {@code prompt},
     * so consecutive calls that share a prompt (FLARE's look-ahead and regeneration, a chat's turns) reuse its KV
     * cache even when several contexts take turns.
     */
    Slot acquire(int[] prompt) {
        Slot best = acquire();
        int bestCommon = best.common(prompt);
        for (Slot other : idle.toArray(new Slot[0])) {
            int common = other.common(prompt);
            if (common > bestCommon && idle.remove(other)) {
                idle.add(best);
                best = other;
                bestCommon = common;
            }
        }
        return best;
    }

    /** Tokens decoded by all contexts since the engine opened (prompt and generated), for reporting reuse. */
    long decodedTokens() {
        return slots.stream().mapToLong(Slot::decoded).sum();
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

    /**
     * The GBNF grammar for a JSON schema, from llama.cpp's own converter (the one its server uses for
     * {@code response_format}), built once per schema text.
     */
    String grammar(ResponseSchema schema) {
        return grammars.computeIfAbsent(schema.json(),
                json -> LlamaNative.text(LlamaNative.jsonSchemaToGrammar(LlamaNative.bytes(json))));
    }

    String tokenText(int token) {
        return new String(LlamaNative.piece(model, token), StandardCharsets.UTF_8);
    }

    /**
     * Generates from {@code prompt}, reusing whatever prefix of it the context already holds.
     * <p>
     * With greedy sampling and {@code draftTokens > 0} it decodes by reference copy (Yang et al. 2023, "Inference
     * with Reference", arXiv 2304.04487; also known as prompt-lookup decoding): when the last
     * {@value #DRAFT_MATCH} tokens occurred earlier in the prompt or the text so far, the tokens that followed
     * them there are decoded as a draft in the same batch as the next token, and each draft token is kept only
     * while it equals the token greedy decoding picks from the logits before it, so the output is the same as
     * without drafts. RAG answers quote their sources, which is where drafts are accepted.
     * <p>
     * With a grammar, llama.cpp's grammar sampler masks the tokens it rejects before the rest of the chain picks, so
     * the text is always a prefix of the grammar's language and, once it ends, a sentence of it; the log-probabilities
     * reported stay the model's own, read from the logits before the mask (G-Eval needs the model's distribution over
     * a rating, not the grammar's).
     */
    Sampled generate(Slot slot, int[] prompt, Sampling sampling, Consumer<String> onText, Cancellation cancellation) {
        if (prompt.length == 0) {
            throw LoreException.invalid("the prompt has no tokens");
        }
        requireTokens(prompt);
        fit(slot, prompt.length + 1);
        long sampler = LlamaNative.newSampler(model, sampling.temperature(), sampling.topP(), sampling.seed(),
                sampling.grammar() == null ? null : LlamaNative.bytes(sampling.grammar()));
        try {
            int[] lastIndex = new int[1];
            int[] sequence = Arrays.copyOf(prompt, slot.size);
            int length = prompt.length;
            int limit = Math.min(sampling.maxTokens(), slot.size - prompt.length);
            int closingFrom = sampling.grammar() == null ? Integer.MAX_VALUE
                    : limit - Math.min(CLOSING_TOKENS, limit / 2);
            int count = 0;
            List<TokenLogprob> logprobs = new ArrayList<>();
            TextSink text = new TextSink(sampling.stop(), onText);
            if (!slot.prefill(this, prompt, prompt.length - 1, (batchIndex, tokenIndex) -> lastIndex[0] = batchIndex,
                    cancellation)) {
                return new Sampled("", new int[0], List.of(), FinishReason.CANCELLED);
            }
            boolean drafting = sampling.temperature() <= 0 && sampling.draftTokens() > 0;
            int[] draft = new int[0];
            int draftAt = 0;
            int drafted = 0;
            int accepted = 0;
            FinishReason reason = FinishReason.LENGTH;
            while (count < limit) {
                if (cancellation.isCancelled() || closed) {
                    reason = FinishReason.CANCELLED;
                    break;
                }
                int token = LlamaNative.sample(sampler, slot.context, lastIndex[0], count >= closingFrom);
                if (LlamaNative.isEndOfGeneration(model, token)) {
                    reason = FinishReason.STOP;
                    break;
                }
                if (sampling.logprobs()) {
                    logprobs.add(logprob(slot, lastIndex[0], token, sampling.topLogprobs()));
                }
                sequence[length++] = token;
                count++;
                if (text.append(LlamaNative.piece(model, token))) {
                    reason = FinishReason.STOP;
                    break;
                }
                if (count == limit) {
                    break;
                }
                if (draftAt < draft.length && draft[draftAt] == token) {
                    // the draft batch already decoded this token; its logits predict the next one
                    accepted++;
                    lastIndex[0] = ++draftAt;
                    continue;
                }
                if (draftAt < draft.length) {
                    slot.truncate(this, length - 1);
                }
                draft = drafting ? lookup(sequence, length,
                        Math.min(Math.min(sampling.draftTokens(), slot.batch - 1), limit - count - 1))
                        : new int[0];
                draftAt = 0;
                drafted += draft.length;
                if (!slot.append(this, token, draft)) {
                    reason = FinishReason.CANCELLED;
                    break;
                }
                lastIndex[0] = 0;
            }
            return new Sampled(text.finish(), Arrays.copyOfRange(sequence, prompt.length, length), logprobs, reason,
                    drafted, accepted);
        }
        finally {
            LlamaNative.freeSampler(sampler);
        }
    }

    /** How many of the latest tokens must match an earlier span before its continuation is proposed. */
    static final int DRAFT_MATCH = 3;

    /**
     * The tokens that followed the most recent earlier occurrence of the sequence's last {@value #DRAFT_MATCH}
     * tokens, at most {@code max} of them; none when those tokens occur nowhere before.
     */
    static int[] lookup(int[] sequence, int length, int max) {
        if (max <= 0 || length <= DRAFT_MATCH) {
            return new int[0];
        }
        int tail = length - DRAFT_MATCH;
        for (int start = tail - 1; start >= 0; start--) {
            int i = 0;
            while (i < DRAFT_MATCH && sequence[start + i] == sequence[tail + i]) {
                i++;
            }
            if (i == DRAFT_MATCH) {
                int from = start + DRAFT_MATCH;
                return Arrays.copyOfRange(sequence, from, Math.min(length, from + max));
            }
        }
        return new int[0];
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
        private volatile int[] held = new int[0];
        private volatile int heldLength;
        private volatile long decoded;

        Slot(long context, int size, int batch) {
            this.context = context;
            this.size = size;
            this.batch = batch;
        }

        /** How many leading tokens of {@code tokens} the cache holds. */
        int common(int[] tokens) {
            int[] cached = held;
            int length = Math.min(heldLength, Math.min(cached.length, tokens.length));
            int common = 0;
            while (common < length && cached[common] == tokens[common]) {
                common++;
            }
            return common;
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

        /**
         * Decodes one more token and the draft after it in one batch, with logits for each (the token's at batch
         * index 0); false when {@link LlamaEngine#close()} aborted it.
         */
        boolean append(LlamaEngine engine, int token, int[] draft) {
            int count = 1 + draft.length;
            if (heldLength + count > held.length) {
                held = Arrays.copyOf(held, Math.max(heldLength + count, Math.max(16, held.length * 2)));
            }
            held[heldLength] = token;
            System.arraycopy(draft, 0, held, heldLength + 1, draft.length);
            try {
                if (!LlamaNative.decode(context, held, heldLength, count, heldLength, 0)) {
                    forget();
                    return false;
                }
            }
            catch (RuntimeException ex) {
                forget();
                throw ex;
            }
            heldLength += count;
            decoded += count;
            return true;
        }

        /**
         * Drops the cached tokens from {@code length} on (rejected draft tokens); a cache that cannot cut there
         * (sliding-window attention can refuse) is cleared and the kept tokens are decoded again.
         */
        void truncate(LlamaEngine engine, int length) {
            if (length >= heldLength) {
                return;
            }
            if (LlamaNative.truncate(context, length)) {
                heldLength = length;
                return;
            }
            int[] kept = Arrays.copyOf(held, length);
            forget();
            prefill(engine, kept, length - 1, (batchIndex, tokenIndex) -> {
            }, Cancellation.none());
        }

        void forget() {
            LlamaNative.truncate(context, 0);
            heldLength = 0;
        }
    }
}
