package dev.lore.answers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntConsumer;

import org.springframework.stereotype.Component;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.lore.answers.flare.FlareOverrides;
import dev.lore.models.Cancellation;
import dev.lore.retrieval.SearchFilter;
import dev.lore.web.LoreException;
import tools.jackson.databind.JsonNode;

/**
 * Answer evaluations, within a request or as a job: checks an evaluation up front (questions, configurations, each
 * configuration's answer request) and answers its questions one configuration at a time, scoring them with
 * {@link AnswerMetrics}.
 */
@Component
class AnswerEvaluations {

    /**
     * A labelled question; {@code feedback} is what {@code GET /api/v1/chat/feedback?format=questions} exports with
     * it (rating, comment, the answer given), kept for the person labelling it and ignored here.
     */
    record QuestionBody(String id, String question, List<String> answerContains, List<String> relevant,
            Boolean unanswerable, Map<String, Object> feedback) {
    }

    record ConfigurationBody(String name, String strategy, String generator, Integer topK, String rerank,
            SearchFilter filter, FlareOverrides flare, Double minSupport) {
    }

    record EvaluationBody(String collection, List<QuestionBody> questions, List<ConfigurationBody> configurations,
            Boolean details, @JsonProperty("async") Boolean runAsJob) {
    }

    /**
     * A checked evaluation: its labelled questions and configurations, and why a configuration is not run (by its
     * index), when it needs a generator or reranker this instance lacks.
     */
    record Checked(EvaluationBody body, List<AnswerMetrics.Labelled> questions,
            List<ConfigurationBody> configurations, Map<Integer, String> notRun) {

        long answers() {
            return (long) questions.size() * configurations.size();
        }
    }

    /** The refusals that mean "this instance lacks a model for it", not "the request is wrong". */
    private static final Set<String> UNAVAILABLE = Set.of("generator-unavailable", "reranker-unavailable");

    private final Answerer answerer;
    private final AnswerRequests requests;
    private final AnswerEvaluationProperties properties;

    AnswerEvaluations(Answerer answerer, AnswerRequests requests, AnswerEvaluationProperties properties) {
        this.answerer = answerer;
        this.requests = requests;
        this.properties = properties;
    }

    /** Refuses, before any answer, what would fail later: bad questions, bad configurations, too many of either. */
    Checked check(EvaluationBody body) {
        List<AnswerMetrics.Labelled> questions = questions(body);
        List<ConfigurationBody> configurations = body.configurations() == null || body.configurations().isEmpty()
                ? List.of(new ConfigurationBody("default", null, null, null, null, null, null, null))
                : body.configurations();
        if (configurations.size() > properties.maxConfigurations()) {
            throw LoreException.invalid("At most " + properties.maxConfigurations()
                    + " configurations per evaluation (lore.answers.evaluation.max-configurations)");
        }
        Map<Integer, String> notRun = new LinkedHashMap<>();
        LoreException firstUnavailable = null;
        for (int c = 0; c < configurations.size(); c++) {
            if (configurations.get(c) == null) {
                throw LoreException.invalid("configurations[" + c + "] must be an object");
            }
            try {
                answerer.check(request(body.collection(), questions.get(0).question(), configurations.get(c)));
            }
            catch (LoreException e) {
                // as /evaluations does: a configuration that needs a model this instance lacks is reported as not
                // run, and the others still run
                if (!UNAVAILABLE.contains(e.type())) {
                    throw e;
                }
                notRun.put(c, e.getMessage());
                firstUnavailable = firstUnavailable == null ? e : firstUnavailable;
            }
        }
        if (notRun.size() == configurations.size()) {
            throw firstUnavailable; // nothing could run: the request itself asks for what is missing
        }
        return new Checked(body, questions, configurations, Map.copyOf(notRun));
    }

    /**
     * Answers every question with configuration {@code c} and scores the answers; {@code answered} hears how many are
     * done so far, and may throw to stop.
     */
    Map<String, Object> evaluate(Checked evaluation, int c, IntConsumer answered) {
        ConfigurationBody configuration = evaluation.configurations().get(c);
        String collection = evaluation.body().collection();
        if (evaluation.notRun().containsKey(c)) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("configuration", describe(configuration, c,
                    request(collection, evaluation.questions().get(0).question(), configuration), null));
            result.put("notRun", evaluation.notRun().get(c));
            return result;
        }
        AnswerMetrics metrics = new AnswerMetrics();
        String generator = "none";
        int done = 0;
        for (AnswerMetrics.Labelled question : evaluation.questions()) {
            AnswerRequest request = request(collection, question.question(), configuration);
            long start = System.nanoTime();
            Answer answer = answerer.answer(request, AnswerListener.NONE, Cancellation.none());
            metrics.add(question, answer, (System.nanoTime() - start) / 1_000_000);
            generator = answer.generator();
            answered.accept(++done);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("configuration", describe(configuration, c,
                request(collection, evaluation.questions().get(0).question(), configuration), generator));
        result.put("metrics", metrics.summary());
        if (Boolean.TRUE.equals(evaluation.body().details())) {
            result.put("answers", metrics.scored());
        }
        return result;
    }

    /** The response of a finished evaluation, from each configuration's result. */
    static Map<String, Object> report(Checked evaluation, List<?> results) {
        return report(evaluation.body().collection(), evaluation.questions().size(),
                evaluation.questions().stream().filter(q -> !q.unanswerable()).count(), results);
    }

    /**
     * The response of a finished evaluation, within a request or as a job's result; {@code unavailable} names the
     * configurations not run and why, as {@code /evaluations} does (their results say {@code notRun}).
     */
    static Map<String, Object> report(String collection, int questions, long answerable, List<?> results) {
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("collection", collection);
        response.put("questions", questions);
        response.put("answerable", answerable);
        response.put("results", results);
        List<Map<String, Object>> unavailable = new ArrayList<>();
        for (Object result : results) {
            if (result instanceof Map<?, ?> map && map.get("notRun") != null) {
                unavailable.add(Map.of("name", ((Map<?, ?>) map.get("configuration")).get("name"), "reason",
                        map.get("notRun")));
            }
            else if (result instanceof JsonNode node && node.hasNonNull("notRun")) {
                unavailable.add(Map.of("name", node.path("configuration").path("name").asString(), "reason",
                        node.path("notRun").asString()));
            }
        }
        if (!unavailable.isEmpty()) {
            response.put("unavailable", unavailable);
        }
        return response;
    }

    private AnswerRequest request(String collection, String question, ConfigurationBody c) {
        return requests.read(new AnswerRequests.AnswerBody(collection, question, c.strategy(), c.topK(), c.rerank(),
                c.filter(), c.generator(), c.flare(), c.minSupport()));
    }

    private List<AnswerMetrics.Labelled> questions(EvaluationBody body) {
        if (body.questions() == null || body.questions().isEmpty()) {
            throw LoreException.invalid("questions must list at least one labelled question");
        }
        if (body.questions().size() > properties.maxQuestions()) {
            throw LoreException.invalid("At most " + properties.maxQuestions()
                    + " questions per answer evaluation (lore.answers.evaluation.max-questions)");
        }
        List<AnswerMetrics.Labelled> questions = new ArrayList<>();
        for (int i = 0; i < body.questions().size(); i++) {
            QuestionBody question = body.questions().get(i);
            if (question == null || question.question() == null || question.question().isBlank()) {
                throw LoreException.invalid("questions[" + i + "].question must not be empty");
            }
            boolean unanswerable = Boolean.TRUE.equals(question.unanswerable());
            List<String> contains = question.answerContains() == null ? List.of() : question.answerContains();
            List<String> relevant = question.relevant() == null ? List.of() : question.relevant();
            if (unanswerable && (!contains.isEmpty() || !relevant.isEmpty())) {
                throw LoreException.invalid("questions[" + i + "] is unanswerable and so has no answerContains or "
                        + "relevant sources");
            }
            questions.add(new AnswerMetrics.Labelled(question.id() == null ? "q" + (i + 1) : question.id(),
                    question.question(), contains, relevant, unanswerable));
        }
        return questions;
    }

    private static Map<String, Object> describe(ConfigurationBody configuration, int index, AnswerRequest request,
            String generator) {
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("name", configuration.name() == null ? "configuration " + (index + 1) : configuration.name());
        described.put("strategy", request.strategy().id());
        if (generator != null) {
            described.put("generator", generator);
        }
        described.put("topK", request.topK());
        described.put("rerank", request.rerank().id());
        if (request.minSupport() != null) {
            described.put("minSupport", request.minSupport());
        }
        return described;
    }
}
