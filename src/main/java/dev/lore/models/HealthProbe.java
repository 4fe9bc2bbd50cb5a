package dev.lore.models;

import org.springframework.boot.health.contributor.Health;

/**
 * A model backend that can tell whether it is healthy, by asking its service. Not a Boot {@code HealthIndicator}:
 * a bean that is one (the remote embedder) joins {@code /actuator/health} by itself and is probed on every call,
 * while this is probed only through {@link ModelHealth}'s cache.
 */
public interface HealthProbe {

    Health health();
}
