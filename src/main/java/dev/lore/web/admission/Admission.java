package dev.lore.web.admission;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import com.zaxxer.hikari.HikariDataSource;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.micrometer.tagged.TaggedBulkheadMetrics;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The bulkhead in front of the expensive endpoints: a Resilience4j semaphore bulkhead sized to the machine, with
 * counters of admitted and shed requests ({@code lore.admission.requests}) and Resilience4j's own gauges
 * ({@code resilience4j.bulkhead.*}, name {@code admission}).
 */
@Component
class Admission {

    private static final Logger log = LoggerFactory.getLogger(Admission.class);

    private final Bulkhead bulkhead;
    private final int limit;
    private final Counter admitted;
    private final Counter shed;

    Admission(AdmissionProperties properties, DataSource dataSource, MeterRegistry meters) {
        this.limit = properties.maxConcurrent() > 0 ? properties.maxConcurrent()
                : defaultLimit(Runtime.getRuntime().availableProcessors(), poolSize(dataSource));
        BulkheadRegistry registry = BulkheadRegistry.of(BulkheadConfig.custom()
                .maxConcurrentCalls(limit)
                .maxWaitDuration(properties.maxWait())
                .fairCallHandlingStrategyEnabled(true)
                .build());
        TaggedBulkheadMetrics.ofBulkheadRegistry(registry).bindTo(meters);
        this.bulkhead = registry.bulkhead("admission");
        this.admitted = meters.counter("lore.admission.requests", "outcome", "admitted");
        this.shed = meters.counter("lore.admission.requests", "outcome", "shed");
        log.info("Admission: {} concurrent searches/answers, waiting at most {} for a place", limit,
                properties.maxWait());
    }

    /**
     * Four per core: a search spends much of its time waiting (on PostgreSQL, on HTTP), so two per core left the
     * cores idle at similar latency (bench/load-shedding.sh measures it); never more than the pool's connections,
     * or the excess would wait for a connection, and past Hikari's connection-timeout fail, instead of being refused
     * at once.
     */
    static int defaultLimit(int cores, int poolSize) {
        return Math.max(1, Math.min(4 * cores, poolSize));
    }

    private static int poolSize(DataSource dataSource) {
        try {
            return dataSource.isWrapperFor(HikariDataSource.class)
                    ? dataSource.unwrap(HikariDataSource.class).getMaximumPoolSize() : Integer.MAX_VALUE;
        }
        catch (java.sql.SQLException e) {
            return Integer.MAX_VALUE;
        }
    }

    /** Takes a place, waiting at most {@code max-wait}; {@code false} when the request is to be shed. */
    boolean tryEnter() {
        if (bulkhead.tryAcquirePermission()) {
            admitted.increment();
            return true;
        }
        shed.increment();
        return false;
    }

    void leave() {
        bulkhead.onComplete();
    }

    int limit() {
        return limit;
    }

    Bulkhead bulkhead() {
        return bulkhead;
    }
}
