package dev.lore.agents.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import dev.lore.agents.ModelUse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** Per-simulation series stay bounded and leave with their simulation. */
class SimulationMetersTests {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final SimulationMeters meters = new SimulationMeters(registry, null,
            new SimulationProperties("test", 144, Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(1),
                    3, 60, 5, 2));

    @Test
    void keepsTheSeriesOfTheMostRecentlyCountedSimulationsOnly() {
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        UUID third = UUID.randomUUID();
        meters.spent(first, new ModelUse.Usage(1, 10, 5));
        meters.skipped(second, 2);
        meters.spent(first, new ModelUse.Usage(1, 10, 5)); // first counted again: second is now the eldest
        meters.spent(third, new ModelUse.Usage(3, 30, 15));

        assertThat(tagged()).containsExactlyInAnyOrder(first.toString(), third.toString());
        assertThat(registry.get("lore.simulation.llm.calls").tag("simulation", first.toString()).counter().count())
                .isEqualTo(2);
        assertThat(registry.find("lore.simulation.ticks.skipped").counters()).isEmpty();
    }

    @Test
    void dropsTheSeriesOfSimulationsThatNoLongerExist() {
        UUID kept = UUID.randomUUID();
        UUID deleted = UUID.randomUUID();
        meters.spent(kept, new ModelUse.Usage(1, 10, 5));
        meters.spent(deleted, new ModelUse.Usage(1, 10, 5));
        meters.skipped(deleted, 1);

        meters.retain(List.of(kept));

        assertThat(tagged()).containsExactly(kept.toString());
        assertThat(meters.metered()).containsExactly(kept);
        // other meters are no business of this class
        registry.counter("lore.simulation.steps", "outcome", "done").increment();
        meters.retain(List.of());
        assertThat(registry.find("lore.simulation.steps").counters()).hasSize(1);
    }

    private Set<String> tagged() {
        return registry.getMeters().stream().map(meter -> meter.getId().getTag("simulation"))
                .filter(id -> id != null).collect(Collectors.toSet());
    }
}
