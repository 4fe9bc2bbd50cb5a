package dev.lore.answers.flare;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import dev.lore.answers.RetrievalStep;
import dev.lore.models.Completion;
import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.models.TokenLogprob;
import dev.lore.prompts.Prompt;
import dev.lore.retrieval.SearchHit;

/**
 * FLARE-direct (Jiang et al. 2023) on a generator with logprobs: each step generates a look-ahead cut at its first
 * sentence end and keeps it when every token has probability ≥ θ, so a confident sentence costs one call (the
 * reference code regenerates it anyway); otherwise it retrieves with the look-ahead minus its tokens below β (or with
 * one generated question per low-confidence span), swaps in the top documents and regenerates the sentence.
 */
public final class FlareDirect {

    private static final Pattern MARKERS = Pattern.compile("\\[\\d{1,4}(?:\\s*[,;]\\s*\\d{1,4})*]");

    private final FlareWorkspace workspace;
    private final FlareSettings settings;
    private final Prompt questionPrompt;
    private final String question;
    private final int budget;
    private int retrievals;
    private int searches;

    /**
     * @param questionPrompt {@code flare-question} with {@code question}, {@code sentence} and {@code span}
     * @param budget the answer's completion tokens, across all its calls
     */
    public FlareDirect(FlareWorkspace workspace, FlareSettings settings, Prompt questionPrompt, String question,
            int budget) {
        this.workspace = workspace;
        this.settings = settings;
        this.questionPrompt = questionPrompt;
        this.question = question;
        this.budget = budget;
    }

    /** Writes the answer sentence by sentence; returns its text with the model's {@code [n]} markers. */
    public String run() {
        StringBuilder answer = new StringBuilder();
        int used = 0;
        while (!workspace.cancelled() && used < budget) {
            Completion completion = lookAhead(answer.toString(), budget - used);
            used += Math.max(1, completion.tokens().size());
            LookAhead next = LookAhead.cut(completion);
            List<TokenLogprob> unsure = next.below(settings.threshold());
            if (!unsure.isEmpty() && retrievals < settings.maxRetrievals() && searches < settings.maxSearches()
                    && used < budget && !workspace.cancelled()) {
                retrieve(next);
                completion = lookAhead(answer.toString(), budget - used);
                used += Math.max(1, completion.tokens().size());
                next = LookAhead.cut(completion);
            }
            if (next.text().isBlank()) {
                break;
            }
            String text = Joining.next(answer, next.text());
            answer.append(text);
            workspace.emit(text);
            if (next.endOfText()) {
                break;
            }
        }
        return answer.toString().strip();
    }

    public int retrievals() {
        return retrievals;
    }

    private Completion lookAhead(String answerSoFar, int remaining) {
        GenerationOptions options = GenerationOptions.DEFAULTS.withTemperature(0.0)
                .withMaxTokens(Math.min(settings.lookaheadTokens(), remaining)).withLogprobs(0);
        return workspace.generate(new GenerationRequest(workspace.messages(answerSoFar, false), options)).first();
    }

    private void retrieve(LookAhead lookAhead) {
        retrievals++;
        if (settings.query() == FlareSettings.QueryMode.QUESTIONS) {
            List<List<TokenLogprob>> spans = leastConfident(spans(lookAhead.tokens(), settings.threshold()),
                    settings.questionsPerSentence());
            Map<UUID, SearchHit> merged = new LinkedHashMap<>();
            List<List<SearchHit>> results = new ArrayList<>();
            for (List<TokenLogprob> span : spans) {
                if (searches >= settings.maxSearches() || workspace.cancelled()) {
                    break;
                }
                searches++;
                String asked = ask(lookAhead.text(), text(span).strip());
                if (asked == null) {
                    continue;
                }
                List<SearchHit> hits = workspace.search(asked, settings.documents());
                results.add(hits);
                workspace.record(new RetrievalStep(asked, "low-confidence", ids(hits), triggers(span)));
            }
            if (!results.isEmpty()) {
                for (int rank = 0; merged.size() < settings.documents() && rank < settings.documents(); rank++) {
                    for (List<SearchHit> hits : results) {
                        if (rank < hits.size() && merged.size() < settings.documents()) {
                            merged.putIfAbsent(hits.get(rank).chunkId(), hits.get(rank));
                        }
                    }
                }
                workspace.replaceRetrieved(List.copyOf(merged.values()));
                return;
            }
            if (searches >= settings.maxSearches()) {
                return;
            }
        }
        searches++;
        String query = masked(lookAhead.tokens(), settings.maskBelow());
        if (query.isEmpty()) {
            query = question;
        }
        List<SearchHit> hits = workspace.search(query, settings.documents());
        workspace.replaceRetrieved(hits);
        workspace.record(new RetrievalStep(query, "low-confidence", ids(hits),
                triggers(lookAhead.below(settings.threshold()))));
    }

    /** The look-ahead without its tokens below {@code maskBelow} and without citation markers, spaces collapsed. */
    static String masked(List<TokenLogprob> tokens, double maskBelow) {
        StringBuilder kept = new StringBuilder();
        for (TokenLogprob token : tokens) {
            if (token.probability() >= maskBelow) {
                kept.append(token.token());
            }
        }
        return MARKERS.matcher(kept).replaceAll(" ").replaceAll("\\s+", " ").strip();
    }

    /** The {@code max} spans holding the least probable tokens, in the order they were written. */
    static List<List<TokenLogprob>> leastConfident(List<List<TokenLogprob>> spans, int max) {
        if (spans.size() <= max) {
            return spans;
        }
        return IntStream.range(0, spans.size()).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> lowest(spans.get(i)))).limit(max).sorted()
                .map(spans::get).toList();
    }

    private static double lowest(List<TokenLogprob> span) {
        return span.stream().mapToDouble(TokenLogprob::probability).min().orElse(1);
    }

    /** Maximal runs of consecutive tokens below {@code threshold}. */
    static List<List<TokenLogprob>> spans(List<TokenLogprob> tokens, double threshold) {
        List<List<TokenLogprob>> spans = new ArrayList<>();
        List<TokenLogprob> current = new ArrayList<>();
        for (TokenLogprob token : tokens) {
            if (token.probability() < threshold) {
                current.add(token);
            }
            else if (!current.isEmpty()) {
                spans.add(current);
                current = new ArrayList<>();
            }
        }
        if (!current.isEmpty()) {
            spans.add(current);
        }
        return spans;
    }

    /** One question whose answer is {@code span}, or {@code null} when the model wrote none (no "?"). */
    private String ask(String sentence, String span) {
        String prompt = questionPrompt.render(Map.of("question", question, "sentence", sentence.strip(),
                "span", span));
        GenerationOptions options = GenerationOptions.DEFAULTS.withTemperature(0.0).withMaxTokens(64);
        String text = workspace.generate(GenerationRequest.of(prompt, options)).text().strip();
        int mark = text.indexOf('?');
        return mark < 0 ? null : text.substring(0, mark + 1).strip();
    }

    private static String text(List<TokenLogprob> tokens) {
        StringBuilder text = new StringBuilder();
        tokens.forEach(token -> text.append(token.token()));
        return text.toString();
    }

    static List<RetrievalStep.Trigger> triggers(List<TokenLogprob> tokens) {
        return tokens.stream().map(token -> new RetrievalStep.Trigger(token.token(), round(token.probability())))
                .toList();
    }

    private static double round(double p) {
        return Math.round(p * 10000) / 10000.0;
    }

    static List<UUID> ids(List<SearchHit> hits) {
        return hits.stream().map(SearchHit::chunkId).toList();
    }
}
