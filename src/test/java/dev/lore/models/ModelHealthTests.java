package dev.lore.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;

class ModelHealthTests {

    private Instant now = Instant.parse("2026-12-07T12:00:00Z");

    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    };

    @Test
    void aBackendIsProbedAgainOnlyOnceItsProbeIsOlderThanTheTtlOnTheApplicationsClock() {
        ModelHealth health = new ModelHealth(new ModelsProperties("all-minilm-l6-v2-q", Duration.ofSeconds(5),
                new ModelsProperties.OpenAi(true)), clock);
        AtomicInteger probes = new AtomicInteger();
        HealthProbe backend = () -> Health.up().withDetail("probe", probes.incrementAndGet()).build();

        assertThat(health.of(backend).getDetails()).containsEntry("probe", 1);
        now = now.plusSeconds(4);
        assertThat(health.of(backend).getDetails()).containsEntry("probe", 1);
        now = now.plusSeconds(2);
        assertThat(health.of(backend).getDetails()).containsEntry("probe", 2);
        assertThat(probes).hasValue(2);
    }
}
