package dev.lore.web;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How Lore answers while its database is unreachable: {@code retryAfter} is the wait it suggests to clients with
 * {@code 503 database-unavailable}. How soon a request gives up is Hikari's {@code connection-timeout}.
 */
@ConfigurationProperties("lore.database")
public record DatabaseProperties(@DefaultValue("5s") Duration retryAfter) {

    public DatabaseProperties {
        if (retryAfter == null || retryAfter.isNegative() || retryAfter.isZero()) {
            throw new IllegalArgumentException("lore.database.retry-after must be positive");
        }
    }
}
