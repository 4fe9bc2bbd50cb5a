package dev.lore.models.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** The {@code lore.local.*} settings bind with their documented defaults, and a missing model path fails clearly. */
class LocalPropertiesTests {

    private static LocalProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("lore.local",
                LocalProperties.class);
    }

    @Test
    void defaults() {
        LocalProperties properties = bind(Map.of("lore.local.model-path", "/models/m.gguf"));
        assertThat(properties.modelPath()).isEqualTo(Path.of("/models/m.gguf"));
        assertThat(properties.gpuLayers()).isZero();
        assertThat(properties.contextSize()).isEqualTo(4096);
        assertThat(properties.threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(properties.contexts()).isEqualTo(2);
        assertThat(properties.queueCapacity()).isEqualTo(8);
        assertThat(properties.queueTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(properties.library()).isNull();
    }

    @Test
    void overrides() {
        LocalProperties properties = bind(Map.of("lore.local.model-path", "m.gguf", "lore.local.gpu-layers", "33",
                "lore.local.threads", "3", "lore.local.queue-timeout", "250ms", "lore.local.library",
                "/opt/cuda/libllama.so"));
        assertThat(properties.gpuLayers()).isEqualTo(33);
        assertThat(properties.threads()).isEqualTo(3);
        assertThat(properties.queueTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(properties.library()).isEqualTo(Path.of("/opt/cuda/libllama.so"));
    }

    @Test
    void theBackendNeedsAModelPath() {
        LocalBackend backend = new LocalBackend(bind(Map.of()));
        assertThat(backend.id()).isEqualTo("local");
        assertThatThrownBy(backend::open).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("lore.local.model-path");
    }
}
