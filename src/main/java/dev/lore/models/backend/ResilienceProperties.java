package dev.lore.models.backend;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How every remote model call is guarded: time limits, retries with exponential backoff, a circuit breaker and a
 * bound on concurrent calls, per backend.
 *
 * @param timeout the longest a whole call may take, and the longest a stream may stay silent
 * @param connectTimeout the longest to wait for a connection
 * @param streamTimeout the longest a whole stream may take
 * @param maxAttempts attempts per call, the first included
 * @param initialBackoff the wait before the first retry, doubled (by {@code backoffMultiplier}) for each next one
 * @param maxBackoff the longest wait between attempts, a server's {@code Retry-After} included
 * @param failureRatePercent the share of failed calls, over the last {@code slidingWindowCalls}, that opens the
 *        circuit
 * @param openStateWait how long an open circuit refuses calls before letting a few through
 * @param maxConcurrentCalls calls in flight per backend
 * @param maxQueueWait how long a call waits for a free slot before the backend counts as busy
 */
@ConfigurationProperties("lore.models.resilience")
public record ResilienceProperties(@DefaultValue("60s") Duration timeout, @DefaultValue("5s") Duration connectTimeout,
        @DefaultValue("10m") Duration streamTimeout, @DefaultValue("3") int maxAttempts,
        @DefaultValue("500ms") Duration initialBackoff, @DefaultValue("2.0") double backoffMultiplier,
        @DefaultValue("10s") Duration maxBackoff, @DefaultValue("50") float failureRatePercent,
        @DefaultValue("10") int slidingWindowCalls, @DefaultValue("30s") Duration openStateWait,
        @DefaultValue("8") int maxConcurrentCalls, @DefaultValue("1s") Duration maxQueueWait) {

    public static final ResilienceProperties DEFAULTS = new ResilienceProperties(Duration.ofSeconds(60),
            Duration.ofSeconds(5), Duration.ofMinutes(10), 3, Duration.ofMillis(500), 2.0, Duration.ofSeconds(10), 50,
            10, Duration.ofSeconds(30), 8, Duration.ofSeconds(1));

    public ResilienceProperties {
        requirePositive(timeout, "timeout");
        requirePositive(connectTimeout, "connect-timeout");
        requirePositive(streamTimeout, "stream-timeout");
        requirePositive(initialBackoff, "initial-backoff");
        requirePositive(maxBackoff, "max-backoff");
        requirePositive(openStateWait, "open-state-wait");
        if (maxQueueWait == null || maxQueueWait.isNegative()) {
            throw new IllegalArgumentException("lore.models.resilience.max-queue-wait must not be negative");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("lore.models.resilience.max-attempts must be at least 1");
        }
        if (backoffMultiplier < 1) {
            throw new IllegalArgumentException("lore.models.resilience.backoff-multiplier must be at least 1");
        }
        if (failureRatePercent <= 0 || failureRatePercent > 100) {
            throw new IllegalArgumentException("lore.models.resilience.failure-rate-percent must be in (0, 100]");
        }
        if (slidingWindowCalls < 1 || maxConcurrentCalls < 1) {
            throw new IllegalArgumentException(
                    "lore.models.resilience.sliding-window-calls and max-concurrent-calls must be positive");
        }
    }

    private static void requirePositive(Duration value, String name) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("lore.models.resilience." + name + " must be positive");
        }
    }
}
