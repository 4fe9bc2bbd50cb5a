package dev.lore.models;

import java.time.Clock;
import java.util.concurrent.TimeUnit;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * A model backend's health, probed at most once per {@code lore.models.health-cache-ttl}: the public
 * {@code /actuator/health} and every key's {@code GET /api/v1/models} would otherwise send a request to each remote
 * backend per call. Concurrent callers of an expired entry share one probe.
 */
@Component
class ModelHealth {

    /** Weak keys compare by identity: a backend is the object the registry opened, not an equal one. */
    private final Cache<Object, Health> probes;

    ModelHealth(ModelsProperties properties, Clock clock) {
        // the application's clock, so that a probe's age is measured on the same time as everything else
        this.probes = Caffeine.newBuilder().weakKeys().expireAfterWrite(properties.healthCacheTtl())
                .ticker(() -> TimeUnit.MILLISECONDS.toNanos(clock.millis())).build();
    }

    /** Whether {@code model} can be probed at all: a remote backend can, an in-process model is up while loaded. */
    static boolean probed(Object model) {
        return model instanceof HealthIndicator || model instanceof HealthProbe;
    }

    /** The health of a backend for which {@link #probed} holds, from a probe at most a TTL old. */
    Health of(Object model) {
        return probes.get(model, ModelHealth::probe);
    }

    /** The indicator {@code /actuator/health} shows for {@code model}: the same cached probe. */
    HealthIndicator cached(Object model) {
        return () -> of(model);
    }

    private static Health probe(Object model) {
        try {
            return model instanceof HealthProbe probe ? probe.health() : ((HealthIndicator) model).health();
        }
        catch (RuntimeException e) {
            return Health.down(e).build();
        }
    }
}
