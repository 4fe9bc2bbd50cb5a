package dev.lore.answers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

import org.springframework.stereotype.Component;

import com.fasterxml.jackson.annotation.JsonProperty;

import dev.lore.answers.flare.FlareOverrides;
import dev.lore.models.Cancellation;
import dev.lore.retrieval.SearchFilter;
import dev.lore.web.LoreException;

/**
 * Answer evaluations, within a request or as a job: checks an evaluation up front (questions, configurations, each
 * configuration's answer request) and answers its questions one configuration at a time, scoring them with
 * {@link AnswerMetrics}.
 */
@Component
class AnswerEvaluations {

    record QuestionBody(String id, String question, List<String> answerContains, List<String> relevant,
            Boolean unanswerable) {
    }

    record ConfigurationBody(String name, String strategy, String generator, Integer topK, String rerank,
            SearchFilter filter, FlareOverrides flare, Double minSupport) {
    }

    record EvaluationBody(String collection, List<QuestionBody> questions, List<ConfigurationBody> configurations,
            Boolean details, @JsonProperty("async") Boolean runAsJob) {
    }

    /** A checked evaluation: its labelled questions and configurations. */
    record Checked(EvaluationBody body, List<AnswerMetrics.Labelled> questions,
            List<ConfigurationBody> configurations) {

        long answers() {
            return (long) questions.size() * configurations.size();
        }
    }

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
        for (int c = 0; c < configurations.size(); c++) {
            if (configurations.get(c) == null) {
                throw LoreException.invalid("configurations[" + c + "] must be an object");
            }
            answerer.check(request(body.collection(), questions.get(0).question(), configurations.get(c)));
        }
        return new Checked(body, questions, configurations);
    }

    /**
     * Answers every question with configuration {@code c} and scores the answers; {@code answered} hears how many are
     * done so far, and may throw to stop.
     */
    Map<String, Object> evaluate(Checked evaluation, int c, IntConsumer answered) {
        ConfigurationBody configuration = evaluation.configurations().get(c);
        String collection = evaluation.body().collection();
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

    /** The response of a finished evaluation, within a request or as a job's result. */
    static Map<String, Object> report(String collection, int questions, long answerable, List<?> results) {
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("collection", collection);
        response.put("questions", questions);
        response.put("answerable", answerable);
        response.put("results", results);
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
        described.put("generator", generator);
        described.put("topK", request.topK());
        described.put("rerank", request.rerank().id());
        if (request.minSupport() != null) {
            described.put("minSupport", request.minSupport());
        }
        return described;
    }
}
