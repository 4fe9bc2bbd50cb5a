package dev.lore.web.admission;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How much expensive work (the {@link dev.lore.web.Admitted} endpoints: searches, reranking, evaluations, answers,
 * chat, agents' model calls, simulation steps, recall measurements) one instance admits at once; what is over is
 * refused at once with {@code 503 overloaded} and {@code Retry-After}, so that admitted requests keep their latency.
 *
 * @param enabled whether the bound applies at all
 * @param maxConcurrent requests served at once; 0 (the default) means four per CPU core, at most the connection pool's
 *        size
 * @param maxWait how long a request may wait for a free place before it is refused
 * @param retryAfter the wait suggested to a refused client
 */
@ConfigurationProperties("lore.admission")
record AdmissionProperties(@DefaultValue("true") boolean enabled, @DefaultValue("0") int maxConcurrent,
        @DefaultValue("250ms") Duration maxWait, @DefaultValue("1s") Duration retryAfter) {

    AdmissionProperties {
        if (maxConcurrent < 0) {
            throw new IllegalArgumentException("lore.admission.max-concurrent must be 0 (automatic) or positive");
        }
        if (maxWait == null || maxWait.isNegative()) {
            throw new IllegalArgumentException("lore.admission.max-wait must not be negative");
        }
        if (retryAfter == null || retryAfter.isNegative() || retryAfter.isZero()) {
            throw new IllegalArgumentException("lore.admission.retry-after must be positive");
        }
    }
}
