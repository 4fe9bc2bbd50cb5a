package dev.lore.documents;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** Graph parameters pgvector would refuse at every build are refused when the settings are read. */
class VectorIndexPropertiesTests {

    private static VectorIndexProperties with(int m, int efConstruction, int binaryM, int binaryEfConstruction) {
        return new VectorIndexProperties(5000, 100_000, m, efConstruction, DataSize.ofMegabytes(512), 1,
                Duration.ofSeconds(10), 400, binaryM, binaryEfConstruction);
    }

    @Test
    void efConstructionMustBeAtLeastTwiceM() {
        assertThat(with(16, 32, 8, 16).m()).isEqualTo(16);
        assertThatThrownBy(() -> with(16, 31, 8, 200)).hasMessageContaining("ef-construction (31)")
                .hasMessageContaining("m (16)");
        assertThatThrownBy(() -> with(16, 64, 8, 15)).hasMessageContaining("binary-ef-construction (15)")
                .hasMessageContaining("binary-m (8)");
    }
}
