package dev.lore.answers;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.springframework.stereotype.Service;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.lore.answers.flare.FlareDirect;
import dev.lore.answers.flare.FlareInstruct;
import dev.lore.answers.flare.FlareWorkspace;
import dev.lore.models.Cancellation;
import dev.lore.models.ChatMessage;
import dev.lore.models.Embedder;
import dev.lore.models.Generation;
import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.models.Generator;
import dev.lore.models.GeneratorUnavailable;
import dev.lore.models.Generators;
import dev.lore.prompts.Prompt;
import dev.lore.prompts.Prompts;
import dev.lore.retrieval.RetrievalProperties;
import dev.lore.retrieval.Retriever;
import dev.lore.retrieval.SearchHit;
import dev.lore.retrieval.SearchMode;
import dev.lore.retrieval.SearchRequest;
import dev.lore.retrieval.SearchResult;
import dev.lore.web.LoreException;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Answers a question from a collection: retrieves, refuses without a model call when the hits' support is below
 * {@code lore.answers.min-support} ({@code min-support-generated} with a generator), then writes a cited answer (single, HyDE or FLARE) or, without a
 * generator, quotes the best sentences.
 */
@Service
public class Answerer {

    private final Retriever retriever;
    private final RetrievalProperties retrieval;
    private final Generators generators;
    private final Embedder embedder;
    private final AnswersProperties properties;
    private final ExtractiveAnswers extractive;
    private final Attributions attributions;
    private final MeterRegistry meters;
    private final Prompt answerPrompt;
    private final Prompt instructPrompt;
    private final Prompt questionPrompt;
    private volatile int promptTokens = -1;
    // tokenizing every source was a visible share of an answer's own time, and popular chunks recur
    private final Cache<SourceKey, Integer> sourceTokens = Caffeine.newBuilder().maximumSize(50_000).build();

    /** A source's text is its chunk's, or its chunk's widened by neighbours: the id and length tell them apart. */
    private record SourceKey(UUID chunkId, int length) {
    }

    Answerer(Retriever retriever, RetrievalProperties retrieval, Generators generators, Embedder embedder,
            Prompts prompts, AnswersProperties properties, ExtractiveAnswers extractive, Attributions attributions,
            MeterRegistry meters) {
        this.retriever = retriever;
        this.retrieval = retrieval;
        this.generators = generators;
        this.embedder = embedder;
        this.properties = properties;
        this.extractive = extractive;
        this.attributions = attributions;
        this.meters = meters;
        this.answerPrompt = prompts.require("answer", "sources", "question", "refusal");
        this.instructPrompt = prompts.require("flare-instruct", "sources", "question", "refusal");
        this.questionPrompt = prompts.require("flare-question", "question", "sentence", "span");
    }

    /**
     * Checks what can be checked before any retrieval or model call: a generator for the strategy, and a question
     * that fits the embedder and the generator's context.
     */
    public void check(AnswerRequest request) {
        check(request, tokens(request.question()));
        // what retrieval would refuse (unknown collection, unconfigured reranker), said before a stream opens
        retriever.check(request.collection(), SearchMode.HYBRID, request.rerank());
    }

    private void check(AnswerRequest request, int tokens) {
        Optional<Generator> generator = generatorFor(request);
        if (generator.isEmpty() && request.strategy() != Strategy.SINGLE) {
            String what = "Strategy '" + request.strategy().id() + "'";
            String otherwise = "ask with strategy single for an extractive answer";
            throw request.extractive() ? GeneratorUnavailable.declined(what, otherwise)
                    : GeneratorUnavailable.notConfigured(what, otherwise);
        }
        if (tokens > properties.maxQuestionTokens()) {
            throw LoreException.badRequest("question-too-long", "Question too long", "The question is " + tokens
                    + " tokens; the embedder (" + embedder.name() + ") reads at most " + properties.maxQuestionTokens()
                    + " (lore.answers.max-question-tokens)");
        }
        if (generator.isPresent() && sourceBudget(tokens) < 1) {
            throw LoreException.badRequest("question-too-long", "Question too long", "The question is " + tokens
                    + " tokens; with the prompt and an answer of up to " + properties.maxAnswerTokens()
                    + " tokens it leaves no room for sources in the generator's context of "
                    + properties.contextTokens() + " tokens (lore.answers.context-tokens)");
        }
    }

    public Answer answer(AnswerRequest request, AnswerListener listener, Cancellation cancellation) {
        return answer(request, Conversation.NONE, listener, cancellation);
    }

    /**
     * Answers a turn of a conversation: retrieves with its standalone query ({@code follow-up}) and shows the model
     * the earlier turns before the sources, whose budget shrinks by the turns' tokens.
     */
    public Answer answer(AnswerRequest request, Conversation conversation, AnswerListener listener,
            Cancellation cancellation) {
        int questionTokens = tokens(request.question());
        check(request, questionTokens);
        int historyTokens = conversation.history().stream().mapToInt(message -> tokens(message.content())).sum();
        Run run = new Run(request, conversation, listener, cancellation, generatorFor(request),
                questionTokens + historyTokens);
        try {
            Answer answer = run.answer();
            meters.counter("lore.answers", "strategy", request.strategy().id(), "outcome",
                    cancellation.isCancelled() ? "cancelled" : outcome(answer)).increment();
            return answer;
        }
        catch (RuntimeException failure) {
            meters.counter("lore.answers", "strategy", request.strategy().id(), "outcome", "failed").increment();
            throw failure;
        }
    }

    private static String outcome(Answer answer) {
        if (!answer.grounded()) {
            return "refused";
        }
        return "none".equals(answer.generator()) ? "extractive" : "answered";
    }

    private Optional<Generator> generatorFor(AnswerRequest request) {
        return request.extractive() ? Optional.empty() : generators.generator();
    }

    private int tokens(String text) {
        return embedder.tokenStarts(text).length;
    }

    /**
     * A source's tokens as the prompt shows it; a chunk's text never changes, so its count is kept (a widened hit
     * is counted afresh: its text is more than its chunk's).
     */
    private int sourceTokens(SearchHit hit) {
        return sourceTokens.get(new SourceKey(hit.chunkId(), hit.text().length()),
                key -> tokens(SourceBook.render(0, hit)));
    }

    /**
     * Tokens left for sources once the prompt (the larger of FLARE-instruct's and the plain one, counted once) with
     * the question and the answer are counted.
     */
    private int sourceBudget(int questionTokens) {
        return properties.contextTokens() - promptTokens() - questionTokens - properties.maxAnswerTokens();
    }

    private int promptTokens() {
        if (promptTokens < 0) {
            int prompt = 0;
            for (Prompt template : List.of(answerPrompt, instructPrompt)) {
                prompt = Math.max(prompt, tokens(template.render(Map.of("sources", "", "question", "",
                        "refusal", properties.refusal()))));
            }
            promptTokens = prompt;
        }
        return promptTokens;
    }

    static double support(List<SearchHit> hits) {
        return hits.stream().map(hit -> hit.scores() == null ? null : hit.scores().get("dense"))
                .filter(Objects::nonNull).mapToDouble(Double::doubleValue).max().orElse(0);
    }

    /**
     * How well the hits support answering, in cosine units: the best dense similarity, lowered by
     * {@code support-terms-weight} times the share of the question's weight (its words, weighted by how rare they
     * are among the hits) that no single hit contains. A near miss (the topic is there, the detail asked about is
     * not: "bike parking at the Chicago office") keeps its similarity but loses its rarest word.
     */
    double support(String question, List<SearchHit> hits) {
        double dense = support(hits);
        double weight = properties.supportTermsWeight();
        if (weight == 0 || hits.isEmpty()) {
            return dense;
        }
        Terms terms = new Terms(question, hits.stream().map(hit -> hit.title() + " " + hit.headingPath() + " "
                + hit.text()).toList());
        double covered = 0;
        for (int i = 0; i < hits.size(); i++) {
            covered = Math.max(covered, terms.overlap(i));
        }
        return dense - weight * (1 - covered);
    }

    private boolean refuses(String text) {
        return refuses(text, properties.refusal());
    }

    /** Whether {@code text} holds the refusal sentence, compared on its words alone (case and punctuation aside). */
    static boolean refuses(String text, String refusal) {
        String refused = normalize(refusal);
        return !refused.isEmpty() && normalize(text).contains(refused);
    }

    private static String normalize(String text) {
        return text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}]+", " ").strip();
    }

    /** One answer being written: what it has spent and found so far. */
    private final class Run implements FlareWorkspace {

        private final AnswerRequest request;
        private final Conversation conversation;
        private final AnswerListener listener;
        private final Cancellation cancellation;
        private final Optional<Generator> generator;
        private final long start = System.nanoTime();
        private final List<RetrievalStep> retrievals = new ArrayList<>();
        private final SourceBook book = new SourceBook(Answerer.this::sourceTokens);
        private final List<Attributions.Written> written = new ArrayList<>();
        private Answer.Usage usage = Answer.Usage.NONE;
        private long retrievalNanos;
        private long generationNanos;
        private Long firstTokenMillis;
        private List<SearchHit> pinned = List.of();
        private List<SearchHit> retrieved = List.of();
        private final int questionTokens;
        private int budget;
        private double support;

        Run(AnswerRequest request, Conversation conversation, AnswerListener listener, Cancellation cancellation,
                Optional<Generator> generator, int questionTokens) {
            this.request = request;
            this.conversation = conversation;
            this.questionTokens = questionTokens;
            this.listener = listener;
            this.cancellation = cancellation;
            this.generator = generator;
        }

        Answer answer() {
            String query = conversation.followUp() ? conversation.retrievalQuery() : request.question();
            // a generator's budget holds more than the sources an answer is judged on: fetch enough to fill it
            int fetch = Math.max(request.topK(), generator.isPresent() ? properties.contextCandidates()
                    : properties.extractiveChunks());
            List<SearchHit> found = search(query, fetch, false);
            List<SearchHit> hits = found.subList(0, Math.min(request.topK(), found.size()));
            double support = support(request.question(), hits);
            ExtractiveAnswers.Extract extract = null;
            if (generator.isEmpty() && !hits.isEmpty() && properties.supportSentenceWeight() > 0) {
                // without a generator nothing else will judge the sources: how well their best sentence answers
                // joins the evidence, and the extract is needed anyway
                extract = extract(found);
                support = (1 - properties.supportSentenceWeight()) * support
                        + properties.supportSentenceWeight() * extract.best();
            }
            this.support = support;
            // with a generator, only a clear absence is refused unasked; its prompt asks it to refuse the rest
            double threshold = request.minSupport() != null ? request.minSupport()
                    : generator.isPresent() ? properties.minSupportGenerated() : properties.minSupport();
            boolean supported = !hits.isEmpty() && support >= threshold;
            if (supported && request.strategy() == Strategy.HYDE) {
                found = search(query, fetch, true);
                hits = found.subList(0, Math.min(request.topK(), found.size()));
            }
            record(new RetrievalStep(query, conversation.followUp() ? "follow-up" : "initial", ids(hits), List.of()));
            String name = generator.map(Generator::name).orElse("none");
            if (!supported) {
                return refusal(name, "support");
            }
            if (generator.isEmpty()) {
                extract = extract != null ? extract : extract(found);
                // the quotes would not say what was asked: the topic is covered, the figure is not
                boolean refusing = request.minSupport() == null || request.minSupport() > 0;
                if (extract.unstated() != null && refusing && properties.refuseUnstatedFigures()) {
                    return refusal(name, "figure");
                }
                return extractive(extract);
            }
            budget = sourceBudget(questionTokens);
            // FLARE pins the top k it started from and brings the rest itself by retrieving again
            return request.strategy() == Strategy.FLARE ? flare(generator.get(), context(hits))
                    : single(generator.get(), context(found));
        }

        /**
         * What the generator is shown, best first: the strongest hits widened by their neighbouring chunks ("small
         * to big": the sentence before an answer often names what it is about), hits a widened one already holds
         * dropped, and a widening that would take more than a third of the budget left out.
         */
        private List<SearchHit> context(List<SearchHit> found) {
            int widen = Math.min(properties.contextWiden(), found.size());
            if (widen == 0 || properties.contextNeighbours() == 0) {
                return found;
            }
            List<Retriever.Widened> widened = retriever.widen(request.collection(), found.subList(0, widen),
                    properties.contextNeighbours());
            List<SearchHit> context = new ArrayList<>();
            Set<UUID> covered = new HashSet<>();
            for (int i = 0; i < widened.size(); i++) {
                Retriever.Widened w = widened.get(i);
                if (covered.contains(w.hit().chunkId())) {
                    continue;
                }
                boolean fits = sourceTokens(w.hit()) <= budget / 3;
                context.add(fits ? w.hit() : found.get(i));
                covered.addAll(fits ? w.chunks() : Set.of(w.hit().chunkId()));
            }
            for (SearchHit hit : found.subList(widen, found.size())) {
                if (covered.add(hit.chunkId())) {
                    context.add(hit);
                }
            }
            return context;
        }

        private Answer single(Generator model, List<SearchHit> hits) {
            List<Source> sources = book.present(hits, budget);
            String prompt = answerPrompt.render(Map.of("sources", SourceBook.render(sources), "question",
                    request.question(), "refusal", properties.refusal()));
            GenerationRequest generation = new GenerationRequest(withHistory(ChatMessage.user(prompt)),
                    GenerationOptions.DEFAULTS.withTemperature(0.0).withMaxTokens(properties.maxAnswerTokens()));
            Generation written;
            if (listener.streaming()) {
                long t = System.nanoTime();
                written = model.stream(generation, this::emit, cancellation);
                generationNanos += System.nanoTime() - t;
                usage = usage.plus(written.usage());
            }
            else {
                written = generate(generation);
            }
            return finish(model.name(), written.text(), null);
        }

        private Answer flare(Generator model, List<SearchHit> hits) {
            pinned = hits;
            dev.lore.answers.flare.FlareSettings settings = request.flare();
            String text;
            String kind;
            int count;
            if (model.supportsLogprobs()) {
                FlareDirect direct = new FlareDirect(this, settings, questionPrompt, request.question(),
                        properties.maxAnswerTokens());
                text = direct.run();
                count = direct.retrievals();
                kind = "direct";
            }
            else {
                FlareInstruct instruct = new FlareInstruct(this, settings, properties.maxAnswerTokens());
                text = instruct.run();
                count = instruct.retrievals();
                kind = "instruct";
            }
            meters.summary("lore.answers.flare.retrievals", "flare", kind).record(count);
            return finish(model.name(), text, kind);
        }

        private Answer finish(String name, String text, String flare) {
            if (refuses(text)) {
                return refused(name, flare, "model");
            }
            CitationMarkers.Parsed parsed = CitationMarkers.parse(text, book.byNumber());
            Attributions.Attributed attributed = attributions.attribute(parsed, book.byNumber(), written,
                    properties.refusal());
            return answer(parsed.text(), !attributed.citations().isEmpty(), null, name, flare, null,
                    attributed.citations(), attributed.unsupported(), parsed.dropped());
        }

        private ExtractiveAnswers.Extract extract(List<SearchHit> hits) {
            long t = System.nanoTime();
            // a follow-up ("How long does that take?") names what it asks about in the turns before it
            ExtractiveAnswers.Extract extract = extractive.answer(request.question(),
                    conversation.followUp() ? conversation.retrievalQuery() : "", hits);
            generationNanos += System.nanoTime() - t;
            return extract;
        }

        private Answer extractive(ExtractiveAnswers.Extract extract) {
            if (extract.citations().isEmpty()) {
                return refusal("none", "support");
            }
            emit(extract.answer());
            return answer(extract.answer(), true, null, "none", null, extract.scorer(), extract.citations(),
                    List.of(), 0);
        }

        /** A refusal made without a model, streamed: {@code support} or {@code figure} (see {@link Answer}). */
        private Answer refusal(String name, String reason) {
            emit(properties.refusal());
            return refused(name, null, reason);
        }

        private Answer refused(String name, String flare, String reason) {
            return answer(properties.refusal(), false, reason, name, flare, null, List.of(), List.of(), 0);
        }

        private Answer answer(String text, boolean grounded, String refusedFor, String name, String flare,
                String extractive, List<Citation> citations, List<String> unsupported, int dropped) {
            Map<String, Long> timings = new LinkedHashMap<>();
            timings.put("retrieval", TimeUnit.NANOSECONDS.toMillis(retrievalNanos));
            timings.put("generation", TimeUnit.NANOSECONDS.toMillis(generationNanos));
            if (firstTokenMillis != null && listener.streaming()) {
                timings.put("firstToken", firstTokenMillis);
            }
            timings.put("total", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            return new Answer(text, grounded, refusedFor, name, request.strategy().id(), flare, extractive, citations,
                    unsupported, dropped, Math.round(support * 10000) / 10000.0, retrievals, usage, timings);
        }

        private List<SearchHit> search(String query, int topK, boolean hyde) {
            long t = System.nanoTime();
            SearchResult result = retriever.search(new SearchRequest(request.collection(), query, topK,
                    SearchMode.HYBRID, request.filter(), Math.max(retrieval.candidates(), topK), false,
                    hyde ? retriever.hydeDefaults() : null, request.rerank(),
                    Math.max(properties.rerankCandidates(), topK)));
            retrievalNanos += System.nanoTime() - t;
            if (result.usage() != null && result.usage().get("hyde") instanceof Map<?, ?> hydeUsage
                    && !Boolean.TRUE.equals(hydeUsage.get("cached"))) {
                usage = usage.plus(new dev.lore.models.Usage(((Number) hydeUsage.get("promptTokens")).longValue(),
                        ((Number) hydeUsage.get("completionTokens")).longValue()));
            }
            return result.results();
        }

        @Override
        public List<ChatMessage> messages(String answerSoFar, boolean instruct) {
            Map<UUID, SearchHit> ordered = new LinkedHashMap<>();
            retrieved.forEach(hit -> ordered.putIfAbsent(hit.chunkId(), hit));
            pinned.forEach(hit -> ordered.putIfAbsent(hit.chunkId(), hit));
            List<Source> sources = book.present(List.copyOf(ordered.values()), budget);
            String prompt = (instruct ? instructPrompt : answerPrompt).render(Map.of("sources",
                    SourceBook.render(sources), "question", request.question(), "refusal", properties.refusal()));
            List<ChatMessage> messages = new ArrayList<>(withHistory(ChatMessage.user(prompt)));
            if (!answerSoFar.isBlank()) {
                messages.add(ChatMessage.assistant(answerSoFar));
            }
            return List.copyOf(messages);
        }

        private List<ChatMessage> withHistory(ChatMessage prompt) {
            List<ChatMessage> messages = new ArrayList<>(conversation.history());
            messages.add(prompt);
            return List.copyOf(messages);
        }

        @Override
        public Generation generate(GenerationRequest generation) {
            long t = System.nanoTime();
            Generation written = generator.orElseThrow().generate(generation);
            generationNanos += System.nanoTime() - t;
            usage = usage.plus(written.usage());
            return written;
        }

        @Override
        public List<SearchHit> search(String query, int documents) {
            return search(query, documents, false);
        }

        @Override
        public void replaceRetrieved(List<SearchHit> hits) {
            retrieved = List.copyOf(hits);
        }

        @Override
        public void record(RetrievalStep step) {
            retrievals.add(step);
            if (retrievals.size() > 1) {
                listener.retrieval(step);
            }
        }

        @Override
        public void emit(String text) {
            if (firstTokenMillis == null) {
                firstTokenMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                if (listener.streaming()) {
                    meters.timer("lore.answers.first-token", "strategy", request.strategy().id())
                            .record(firstTokenMillis, TimeUnit.MILLISECONDS);
                }
            }
            if (request.strategy() == Strategy.FLARE) {
                written.add(new Attributions.Written(text, ids(retrieved)));
            }
            listener.token(text);
        }

        @Override
        public boolean cancelled() {
            return cancellation.isCancelled();
        }

        private static List<UUID> ids(List<SearchHit> hits) {
            return hits.stream().map(SearchHit::chunkId).toList();
        }
    }
}
