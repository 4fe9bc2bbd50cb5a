package dev.lore.web;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * An optional PostgreSQL streaming replica for searches, listings and memory retrieval ({@code lore.datasource.read.*}):
 * with no {@code url} every read goes to the primary, as with one database. {@code connectionTimeout} bounds how long a
 * read waits for a replica connection before it goes to the primary, {@code retryAfter} how long a replica that
 * failed is left alone, {@code maxLagWait} how long a read waits for the replica to replay what the primary had
 * committed when the read began (read-your-writes) before it goes to the primary; {@code readYourWrites=false}
 * skips that check and accepts the replica's lag.
 */
@ConfigurationProperties("lore.datasource.read")
public record ReadReplicaProperties(String url, String username, String password,
        @DefaultValue("10") int maximumPoolSize, @DefaultValue("250ms") Duration connectionTimeout,
        @DefaultValue("5s") Duration retryAfter, @DefaultValue("true") boolean readYourWrites,
        @DefaultValue("200ms") Duration maxLagWait) {

    public ReadReplicaProperties {
        if (maximumPoolSize < 1) {
            throw new IllegalArgumentException("lore.datasource.read.maximum-pool-size must be at least 1");
        }
        // Hikari refuses a connection timeout under 250 ms
        if (connectionTimeout.toMillis() < 250) {
            throw new IllegalArgumentException("lore.datasource.read.connection-timeout must be at least 250ms");
        }
        if (retryAfter.isNegative() || maxLagWait.isNegative()) {
            throw new IllegalArgumentException("lore.datasource.read.retry-after and max-lag-wait must not be negative");
        }
    }

    /** Whether a replica is configured at all. */
    public boolean enabled() {
        return url != null && !url.isBlank();
    }
}
