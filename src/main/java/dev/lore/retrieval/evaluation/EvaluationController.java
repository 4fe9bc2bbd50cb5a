package dev.lore.retrieval.evaluation;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import dev.lore.retrieval.HydeSettings;
import dev.lore.retrieval.RerankMode;
import dev.lore.retrieval.SearchMode;
import dev.lore.retrieval.hyde.HydeQueryEmbedder;
import dev.lore.web.LoreException;

/**
 * {@code POST /api/v1/evaluations}: scores search configurations on a collection with labelled questions, given as
 * a list or in BEIR's shape (queries plus qrels naming documents by source, with or without extension). Answers JSON
 * with a Markdown table, or only the table for {@code Accept: text/markdown}.
 */
@RestController
class EvaluationController {

    static final int MAX_QUESTIONS = 2000;
    static final int MAX_CONFIGURATIONS = 12;

    private final Evaluator evaluator;
    private final HydeQueryEmbedder hyde;

    EvaluationController(Evaluator evaluator, HydeQueryEmbedder hyde) {
        this.evaluator = evaluator;
        this.hyde = hyde;
    }

    record QuestionBody(String id, String query, List<String> relevant) {
    }

    record ConfigurationBody(String name, String mode, Boolean hyde, String rerank) {
    }

    record BeirBody(List<Map<String, String>> queries, Map<String, Map<String, Integer>> qrels) {
    }

    record EvaluationBody(String collection, List<QuestionBody> questions, BeirBody beir,
            List<ConfigurationBody> configurations) {
    }

    record EvaluationResponse(String collection, int questions, List<EvaluationReport.Row> configurations,
            String markdown) {
    }

    @PostMapping(path = "/api/v1/evaluations", produces = { MediaType.APPLICATION_JSON_VALUE, "text/markdown" })
    ResponseEntity<?> evaluate(@RequestBody EvaluationBody body,
            @RequestHeader(name = "Accept", required = false) String accept) {
        if (body.collection() == null || body.collection().isBlank()) {
            throw LoreException.invalid("collection is required");
        }
        List<LabelledQuestion> questions = questions(body);
        List<SearchConfiguration> configurations = configurations(body.configurations());
        EvaluationReport report = evaluator.evaluate(body.collection(), questions, configurations);
        if (accept != null && accept.contains("text/markdown") && !accept.contains("json")) {
            return ResponseEntity.ok().contentType(MediaType.parseMediaType("text/markdown")).body(report.markdown());
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(new EvaluationResponse(
                report.collection(), report.questions(), report.configurations(), report.markdown()));
    }

    private static List<LabelledQuestion> questions(EvaluationBody body) {
        if ((body.questions() == null) == (body.beir() == null)) {
            throw LoreException.invalid("give either questions or beir (queries and qrels), not both or neither");
        }
        List<LabelledQuestion> questions = new ArrayList<>();
        if (body.questions() != null) {
            for (QuestionBody question : body.questions()) {
                questions.add(new LabelledQuestion(question.id(), question.query(),
                        question.relevant() == null ? Set.of() : new LinkedHashSet<>(question.relevant())));
            }
        }
        else {
            if (body.beir().queries() == null || body.beir().qrels() == null) {
                throw LoreException.invalid("beir needs queries ([{\"_id\",\"text\"}]) and qrels ({query: {doc: score}})");
            }
            for (Map<String, String> query : body.beir().queries()) {
                Map<String, Integer> judged = body.beir().qrels().get(query.get("_id"));
                if (judged == null) {
                    continue;
                }
                Set<String> relevant = new LinkedHashSet<>();
                judged.forEach((doc, score) -> {
                    if (score != null && score > 0) {
                        relevant.add(doc);
                    }
                });
                if (!relevant.isEmpty()) {
                    questions.add(new LabelledQuestion(query.get("_id"), query.get("text"), relevant));
                }
            }
        }
        if (questions.isEmpty() || questions.size() > MAX_QUESTIONS) {
            throw LoreException.invalid("an evaluation needs between 1 and " + MAX_QUESTIONS
                    + " labelled questions, got " + questions.size());
        }
        return questions;
    }

    private List<SearchConfiguration> configurations(List<ConfigurationBody> bodies) {
        if (bodies == null || bodies.isEmpty()) {
            return List.of(new SearchConfiguration(null, SearchMode.LEXICAL, null, null),
                    new SearchConfiguration(null, SearchMode.DENSE, null, null),
                    new SearchConfiguration(null, SearchMode.HYBRID, null, null));
        }
        if (bodies.size() > MAX_CONFIGURATIONS) {
            throw LoreException.invalid("at most " + MAX_CONFIGURATIONS + " configurations per evaluation");
        }
        List<SearchConfiguration> configurations = new ArrayList<>();
        for (ConfigurationBody body : bodies) {
            SearchMode mode = SearchMode.parse(body.mode());
            HydeSettings hydeSettings = Boolean.TRUE.equals(body.hyde()) ? hyde.defaults() : null;
            if (hydeSettings != null && mode == SearchMode.LEXICAL) {
                throw LoreException.invalid("hyde needs a dense or hybrid configuration");
            }
            configurations.add(new SearchConfiguration(body.name(), mode, hydeSettings, RerankMode.parse(body.rerank())));
        }
        return configurations;
    }
}
