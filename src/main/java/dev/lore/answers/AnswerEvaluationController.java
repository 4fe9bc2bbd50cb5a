package dev.lore.answers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.lore.answers.flare.FlareOverrides;
import dev.lore.retrieval.SearchFilter;
import dev.lore.models.Cancellation;
import dev.lore.web.LoreException;

/**
 * {@code POST /api/v1/evaluations/answers}: answers labelled questions with each answer configuration (strategy,
 * generator none or configured, topK, rerank, FLARE, a refusal threshold to try) and scores them with
 * {@link AnswerMetrics}; {@code "details":true} adds each answer with its support, for calibrating the threshold.
 */
@RestController
class AnswerEvaluationController {

    static final int MAX_QUESTIONS = 500;
    static final int MAX_CONFIGURATIONS = 8;

    private final Answerer answerer;
    private final AnswerRequests requests;

    AnswerEvaluationController(Answerer answerer, AnswerRequests requests) {
        this.answerer = answerer;
        this.requests = requests;
    }

    record QuestionBody(String id, String question, List<String> answerContains, List<String> relevant,
            Boolean unanswerable) {
    }

    record ConfigurationBody(String name, String strategy, String generator, Integer topK, String rerank,
            SearchFilter filter, FlareOverrides flare, Double minSupport) {
    }

    record EvaluationBody(String collection, List<QuestionBody> questions, List<ConfigurationBody> configurations,
            Boolean details) {
    }

    @PostMapping("/api/v1/evaluations/answers")
    Map<String, Object> evaluate(@RequestBody EvaluationBody body) {
        List<AnswerMetrics.Labelled> questions = questions(body);
        List<ConfigurationBody> configurations = body.configurations() == null || body.configurations().isEmpty()
                ? List.of(new ConfigurationBody("default", null, null, null, null, null, null, null))
                : body.configurations();
        if (configurations.size() > MAX_CONFIGURATIONS) {
            throw LoreException.invalid("At most " + MAX_CONFIGURATIONS + " configurations per evaluation");
        }
        for (int c = 0; c < configurations.size(); c++) {
            if (configurations.get(c) == null) {
                throw LoreException.invalid("configurations[" + c + "] must be an object, was null");
            }
        }
        List<AnswerRequest> prepared = new ArrayList<>();
        for (ConfigurationBody configuration : configurations) {
            AnswerRequest request = requests.read(body(body.collection(), questions.get(0).question(),
                    configuration));
            answerer.check(request);
            prepared.add(request);
        }
        List<Map<String, Object>> results = new ArrayList<>();
        for (int c = 0; c < configurations.size(); c++) {
            ConfigurationBody configuration = configurations.get(c);
            AnswerMetrics metrics = new AnswerMetrics();
            String generator = "none";
            for (AnswerMetrics.Labelled question : questions) {
                AnswerRequest request = requests.read(body(body.collection(), question.question(), configuration));
                long start = System.nanoTime();
                Answer answer = answerer.answer(request, AnswerListener.NONE, Cancellation.none());
                metrics.add(question, answer, (System.nanoTime() - start) / 1_000_000);
                generator = answer.generator();
            }
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("configuration", describe(configuration, c, prepared.get(c), generator));
            result.put("metrics", metrics.summary());
            if (Boolean.TRUE.equals(body.details())) {
                result.put("answers", metrics.scored());
            }
            results.add(result);
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("collection", body.collection());
        response.put("questions", questions.size());
        response.put("answerable", questions.stream().filter(q -> !q.unanswerable()).count());
        response.put("results", results);
        return response;
    }

    private static List<AnswerMetrics.Labelled> questions(EvaluationBody body) {
        if (body.questions() == null || body.questions().isEmpty()) {
            throw LoreException.invalid("questions must list at least one labelled question");
        }
        if (body.questions().size() > MAX_QUESTIONS) {
            throw LoreException.invalid("At most " + MAX_QUESTIONS + " questions per answer evaluation");
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

    private static AnswerRequests.AnswerBody body(String collection, String question, ConfigurationBody c) {
        return new AnswerRequests.AnswerBody(collection, question, c.strategy(), c.topK(), c.rerank(), c.filter(),
                c.generator(), c.flare(), c.minSupport());
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
