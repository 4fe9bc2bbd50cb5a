package dev.lore.retrieval.evaluation;

import java.time.Duration;

import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Limits of {@code POST /api/v1/evaluations} and how its jobs run. An evaluation costs one search per question and
 * configuration: up to {@code maxSynchronousSearches} it is answered at once, beyond that (or when asked) it runs as
 * a job, and beyond {@code maxSearches} it is refused.
 *
 * @param maxQuestions labelled questions in one evaluation
 * @param maxConfigurations search configurations in one evaluation
 * @param maxSynchronousSearches questions × configurations answered within the request
 * @param maxSearches questions × configurations of one job
 * @param pollInterval how often an instance looks for queued jobs (other instances' too)
 * @param staleAfter how long a running job may go without a heartbeat before another instance takes it over
 * @param heartbeatInterval how often a running job's heartbeat is sent, on a timer, however long one question takes;
 *        each beat also stops the job if the key that submitted it has been revoked
 * @param maxAttempts how many times a job is started before it fails for good
 */
@ConfigurationProperties("lore.retrieval.evaluation")
@Validated
public record EvaluationProperties(
        @DefaultValue("10000") @Min(1) int maxQuestions,
        @DefaultValue("12") @Min(1) int maxConfigurations,
        @DefaultValue("1000") @Min(1) int maxSynchronousSearches,
        @DefaultValue("50000") @Min(1) int maxSearches,
        @DefaultValue("2s") Duration pollInterval,
        @DefaultValue("1m") Duration staleAfter,
        @DefaultValue("5s") Duration heartbeatInterval,
        @DefaultValue("3") @Min(1) int maxAttempts) {
}
