package dev.lore.retrieval.evaluation;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.lore.documents.CollectionRef;
import dev.lore.documents.Collections;
import dev.lore.retrieval.HydeSettings;
import dev.lore.retrieval.RerankMode;
import dev.lore.retrieval.SearchMode;
import dev.lore.retrieval.hyde.HydeQueryEmbedder;
import dev.lore.retrieval.rerank.Rerankers;
import dev.lore.security.Caller;
import dev.lore.security.CurrentCaller;
import dev.lore.web.Admitted;
import dev.lore.web.LoreException;

/**
 * {@code POST /api/v1/evaluations}: scores search configurations on a collection with labelled questions, given as
 * a list or in BEIR's shape (queries plus qrels naming documents by source, with or without extension). A small
 * evaluation answers JSON with a Markdown table, or only the table for {@code Accept: text/markdown}; a large one
 * (or one sent with {@code "async":true}) answers {@code 202} with a job to follow at
 * {@code GET /api/v1/evaluations/{id}}.
 */
@RestController
@Tag(name = "Evaluations")
class EvaluationController {

    private final Evaluator evaluator;
    private final HydeQueryEmbedder hyde;
    private final EvaluationJobs jobs;
    private final EvaluationProperties properties;
    private final Collections collections;
    private final Rerankers rerankers;
    private final CurrentCaller caller;

    EvaluationController(Evaluator evaluator, HydeQueryEmbedder hyde, EvaluationJobs jobs,
            EvaluationProperties properties, Collections collections, Rerankers rerankers, CurrentCaller caller) {
        this.evaluator = evaluator;
        this.hyde = hyde;
        this.jobs = jobs;
        this.properties = properties;
        this.collections = collections;
        this.rerankers = rerankers;
        this.caller = caller;
    }

    record QuestionBody(String id, String query, List<String> relevant) {
    }

    record ConfigurationBody(String name, String mode, Boolean hyde, String rerank) {
    }

    record BeirBody(List<Map<String, String>> queries, Map<String, Map<String, Integer>> qrels) {
    }

    record EvaluationBody(String collection, List<QuestionBody> questions, BeirBody beir,
            List<ConfigurationBody> configurations, @JsonProperty("async") Boolean runAsJob) {
    }

    record Progress(int searchesDone, int searchesTotal) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record JobResponse(UUID id, String collection, String status, int questions, int configurations,
            Progress progress, EvaluationResponse result, String error, Instant createdAt, Instant startedAt,
            Instant finishedAt) {

        static JobResponse of(EvaluationJobs.Job job) {
            EvaluationResponse result = null;
            if (job.status() == EvaluationJobs.Status.DONE) {
                EvaluationReport report = new EvaluationReport(job.collection(), job.questions(), job.rows());
                result = new EvaluationResponse(report.collection(), report.questions(), report.configurations(),
                        report.unavailable(), report.markdown());
            }
            return new JobResponse(job.id(), job.collection(), job.status().name(), job.questions(),
                    job.configurations(), new Progress(job.searchesDone(), job.searchesTotal()), result, job.error(),
                    job.createdAt(), job.startedAt(), job.finishedAt());
        }
    }

    record EvaluationResponse(String collection, int questions, List<EvaluationReport.Row> configurations,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<EvaluationReport.Unavailable> unavailable,
            String markdown) {
    }

    @Operation(summary = "Score search configurations on labelled questions (a job when large)")
    @Admitted
    @PostMapping(path = "/api/v1/evaluations", produces = { MediaType.APPLICATION_JSON_VALUE, "text/markdown" })
    ResponseEntity<?> evaluate(@RequestBody EvaluationBody body,
            @RequestHeader(name = "Accept", required = false) String accept) {
        if (body.collection() == null || body.collection().isBlank()) {
            throw LoreException.invalid("collection is required");
        }
        List<LabelledQuestion> questions = questions(body);
        List<SearchConfiguration> configurations = configurations(body.configurations());
        long searches = (long) questions.size() * configurations.size();
        if (searches > properties.maxSearches()) {
            throw LoreException.tooLarge(questions.size() + " questions × " + configurations.size()
                    + " configurations are " + searches + " searches; an evaluation may run at most "
                    + properties.maxSearches() + " (lore.retrieval.evaluation.max-searches)");
        }
        boolean large = searches > properties.maxSynchronousSearches();
        if (Boolean.FALSE.equals(body.runAsJob()) && large) {
            throw LoreException.tooLarge(searches + " searches are more than the " + properties.maxSynchronousSearches()
                    + " answered within a request (lore.retrieval.evaluation.max-synchronous-searches); "
                    + "send \"async\":true to run the evaluation as a job");
        }
        if (Boolean.TRUE.equals(body.runAsJob()) || large) {
            return submit(body.collection(), questions, configurations);
        }
        EvaluationReport report = evaluator.evaluate(body.collection(), questions, configurations);
        if (accept != null && accept.contains("text/markdown") && !accept.contains("json")) {
            return ResponseEntity.ok().contentType(MediaType.parseMediaType("text/markdown")).body(report.markdown());
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(new EvaluationResponse(
                report.collection(), report.questions(), report.configurations(), report.unavailable(),
                report.markdown()));
    }

    /** The job as its status, progress and (once done) result; 404 for a key that may not read its collection. */
    @Operation(summary = "An evaluation job: status, progress and result")
    @GetMapping(path = "/api/v1/evaluations/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    JobResponse job(@PathVariable UUID id) {
        Caller current = caller.get();
        return jobs.find(id).filter(job -> current.canRead(job.collection())).map(JobResponse::of)
                .orElseThrow(() -> LoreException.notFound("evaluation-not-found", "Evaluation not found",
                        "No evaluation job with id " + id));
    }

    /** Checks up front what would only fail the job later: access to the collection, and the rerankers named. */
    private ResponseEntity<JobResponse> submit(String collection, List<LabelledQuestion> questions,
            List<SearchConfiguration> configurations) {
        CollectionRef readable = collections.readable(collection);
        for (SearchConfiguration configuration : configurations) {
            if (configuration.mode() != SearchMode.LEXICAL) {
                collections.checkEmbedder(readable);
            }
            if (configuration.rerank() != RerankMode.NONE) {
                rerankers.get(configuration.rerank());
            }
        }
        UUID id = jobs.submit(readable, caller.get().keyId(), questions, configurations);
        JobResponse job = jobs.find(id).map(JobResponse::of).orElseThrow();
        return ResponseEntity.accepted().location(URI.create("/api/v1/evaluations/" + id))
                .contentType(MediaType.APPLICATION_JSON).body(job);
    }

    private List<LabelledQuestion> questions(EvaluationBody body) {
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
        if (questions.isEmpty()) {
            throw LoreException.invalid("an evaluation needs at least one labelled question");
        }
        if (questions.size() > properties.maxQuestions()) {
            throw LoreException.tooLarge(questions.size() + " labelled questions are more than the "
                    + properties.maxQuestions() + " an evaluation takes (lore.retrieval.evaluation.max-questions)");
        }
        return questions;
    }

    private List<SearchConfiguration> configurations(List<ConfigurationBody> bodies) {
        if (bodies == null || bodies.isEmpty()) {
            return List.of(new SearchConfiguration(null, SearchMode.LEXICAL, null, null),
                    new SearchConfiguration(null, SearchMode.DENSE, null, null),
                    new SearchConfiguration(null, SearchMode.HYBRID, null, null));
        }
        if (bodies.size() > properties.maxConfigurations()) {
            throw LoreException.tooLarge(bodies.size() + " configurations are more than the "
                    + properties.maxConfigurations() + " an evaluation takes "
                    + "(lore.retrieval.evaluation.max-configurations)");
        }
        if (bodies.contains(null)) {
            throw LoreException.invalid("configurations[" + bodies.indexOf(null) + "] must be an object, was null");
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
