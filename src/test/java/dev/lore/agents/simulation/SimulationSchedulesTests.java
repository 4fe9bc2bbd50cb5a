package dev.lore.agents.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.lore.web.LoreException;

/** Which crons a schedule accepts, and how ticks that fell during a long step are counted. */
class SimulationSchedulesTests {

    private final SimulationSchedules schedules = new SimulationSchedules(null, properties(Duration.ofSeconds(1)),
            null);

    @Test
    void acceptsSpringCronsAndRefusesOthersNamingTheProblem() {
        assertThat(schedules.validate("schedule", " 0 */5 * * * * ")).isEqualTo("0 */5 * * * *");
        assertThat(schedules.validate("schedule", "* * * * * *")).as("once a second is allowed")
                .isEqualTo("* * * * * *");
        assertThat(schedules.validate("schedule", null)).isNull();
        assertThat(schedules.validate("schedule", "  ")).isNull();
        assertThatThrownBy(() -> schedules.validate("schedule", "*/5 * * * *")).isInstanceOf(LoreException.class)
                .hasMessageContaining("five fields");
        assertThatThrownBy(() -> schedules.validate("cron", "0 0 9 * * MON-XYZ")).isInstanceOf(LoreException.class)
                .hasMessageStartingWith("cron must be a Spring cron expression");
    }

    @Test
    void refusesTicksCloserThanTheMinimumInterval() {
        SimulationSchedules strict = new SimulationSchedules(null, properties(Duration.ofMinutes(1)), null);
        assertThatThrownBy(() -> strict.validate("schedule", "*/30 * * * * *")).isInstanceOf(LoreException.class)
                .hasMessageContaining("30000 ms apart");
        assertThat(strict.validate("schedule", "0 * * * * *")).isEqualTo("0 * * * * *");
    }

    @Test
    void countsTheTicksThatFellWhileAStepRan() {
        Instant due = Instant.parse("2026-02-13T08:00:00Z");
        assertThat(schedules.firings("* * * * * *", due, due.plusMillis(900))).isZero();
        assertThat(schedules.firings("* * * * * *", due, due.plusSeconds(5))).isEqualTo(5);
        assertThat(schedules.firings("0 */5 * * * *", due, due.plusSeconds(600))).isEqualTo(2);
    }

    private static SimulationProperties properties(Duration minInterval) {
        return new SimulationProperties("test", 144, Duration.ofSeconds(2), Duration.ofSeconds(10), minInterval, 3,
                60, 5, 1000);
    }
}
