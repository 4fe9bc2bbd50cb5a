package dev.lore.answers;

import java.time.Duration;

import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Limits of {@code POST /api/v1/evaluations/answers} and how its jobs run. An evaluation costs one answer (a search
 * and, with a generator, model calls) per question and configuration: up to {@code maxSynchronousAnswers} it may be
 * answered within the request; beyond that it must be sent with {@code "async":true} and runs as a job.
 *
 * @param maxQuestions labelled questions in one evaluation
 * @param maxConfigurations answer configurations in one evaluation
 * @param maxSynchronousAnswers questions × configurations answered within a request
 * @param pollInterval how often an instance looks for queued jobs (other instances' too)
 * @param heartbeatInterval how often a running job's heartbeat is refreshed, on a timer of its own, however long one
 *        answer takes; each beat also stops the job if the key that submitted it has been revoked
 * @param staleAfter how long a running job may go without a heartbeat before another instance takes it over
 * @param maxAttempts how many times a job is started before it fails for good
 */
@ConfigurationProperties("lore.answers.evaluation")
@Validated
public record AnswerEvaluationProperties(
        @DefaultValue("500") @Min(1) int maxQuestions,
        @DefaultValue("8") @Min(1) int maxConfigurations,
        @DefaultValue("100") @Min(1) int maxSynchronousAnswers,
        @DefaultValue("2s") Duration pollInterval,
        @DefaultValue("10s") Duration heartbeatInterval,
        @DefaultValue("1m") Duration staleAfter,
        @DefaultValue("3") @Min(1) int maxAttempts) {
}
