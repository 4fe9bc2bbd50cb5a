package dev.lore.answers;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.lore.documents.CollectionRef;
import dev.lore.documents.Collections;
import dev.lore.security.Caller;
import dev.lore.security.CurrentCaller;
import dev.lore.web.Admitted;
import dev.lore.web.LoreException;

/**
 * {@code POST /api/v1/evaluations/answers}: answers labelled questions with each answer configuration (strategy,
 * generator none or configured, topK, rerank, FLARE, a refusal threshold to try) and scores them with
 * {@link AnswerMetrics}; {@code "details":true} adds each answer with its support, for calibrating the threshold. A
 * small evaluation is answered within the request; one sent with {@code "async":true} answers {@code 202} with a job
 * to follow at {@code GET /api/v1/evaluations/answers/{id}}, and a large one must be sent so.
 */
@RestController
@Tag(name = "Evaluations")
class AnswerEvaluationController {

    private final AnswerEvaluations evaluations;
    private final AnswerEvaluationJobs jobs;
    private final AnswerEvaluationProperties properties;
    private final Collections collections;
    private final CurrentCaller caller;

    AnswerEvaluationController(AnswerEvaluations evaluations, AnswerEvaluationJobs jobs,
            AnswerEvaluationProperties properties, Collections collections, CurrentCaller caller) {
        this.evaluations = evaluations;
        this.jobs = jobs;
        this.properties = properties;
        this.collections = collections;
        this.caller = caller;
    }

    record Progress(int answersDone, int answersTotal) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record JobResponse(UUID id, String collection, String status, int questions, int configurations,
            Progress progress, Map<String, Object> result, String error, Instant createdAt, Instant startedAt,
            Instant finishedAt) {
    }

    @Admitted
    @PostMapping("/api/v1/evaluations/answers")
    ResponseEntity<?> evaluate(@RequestBody AnswerEvaluations.EvaluationBody body) {
        AnswerEvaluations.Checked evaluation = evaluations.check(body);
        if (Boolean.TRUE.equals(body.runAsJob())) {
            CollectionRef readable = collections.readable(body.collection());
            UUID id = jobs.submit(readable, caller.get().keyId(), evaluation);
            return ResponseEntity.accepted().location(URI.create("/api/v1/evaluations/answers/" + id))
                    .contentType(MediaType.APPLICATION_JSON).body(view(jobs.find(id).orElseThrow()));
        }
        if (evaluation.answers() > properties.maxSynchronousAnswers()) {
            throw LoreException.tooLarge(evaluation.questions().size() + " questions × "
                    + evaluation.configurations().size() + " configurations are " + evaluation.answers()
                    + " answers, more than the " + properties.maxSynchronousAnswers() + " answered within a request "
                    + "(lore.answers.evaluation.max-synchronous-answers); send \"async\":true to run the evaluation "
                    + "as a job and follow it at GET /api/v1/evaluations/answers/{id}");
        }
        List<Map<String, Object>> results = new ArrayList<>();
        for (int c = 0; c < evaluation.configurations().size(); c++) {
            results.add(evaluations.evaluate(evaluation, c, answered -> {
            }));
        }
        return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON)
                .body(AnswerEvaluations.report(evaluation, results));
    }

    /** The job as its status, progress and (once done) result; 404 for a key that may not read its collection. */
    @GetMapping(path = "/api/v1/evaluations/answers/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    JobResponse job(@PathVariable UUID id) {
        Caller current = caller.get();
        return jobs.find(id).filter(job -> current.canRead(job.collection())).map(AnswerEvaluationController::view)
                .orElseThrow(() -> LoreException.notFound("evaluation-not-found", "Evaluation not found",
                        "No answer evaluation job with id " + id));
    }

    private static JobResponse view(AnswerEvaluationJobs.Job job) {
        // the response a synchronous evaluation gives
        Map<String, Object> result = job.status() != AnswerEvaluationJobs.Status.DONE ? null
                : AnswerEvaluations.report(job.collection(), job.questions(), job.answerable(), job.results());
        return new JobResponse(job.id(), job.collection(), job.status().name(), job.questions(),
                job.configurations(), new Progress(job.answersDone(), job.answersTotal()), result, job.error(),
                job.createdAt(), job.startedAt(), job.finishedAt());
    }
}
