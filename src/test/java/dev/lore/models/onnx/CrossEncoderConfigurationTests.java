package dev.lore.models.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.lore.models.Reranker;
import dev.lore.models.onnx.TinyCrossEncoder.Kind;

/** The cross-encoder bean exists only when its model directory is configured, and start-up fails without the files. */
class CrossEncoderConfigurationTests {

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withUserConfiguration(ScannedLikeLore.class, CrossEncoderConfiguration.class);

    @TempDir
    Path models;

    /** Binds every settings record of the package, as LoreApplication's properties scan does. */
    @ConfigurationPropertiesScan
    static class ScannedLikeLore {
    }

    @Test
    void registersNoRerankerWithoutAModelDirectory() {
        context.run(started -> assertThat(started).hasNotFailed().doesNotHaveBean(Reranker.class));
    }

    @Test
    void registersCrossEncoderRerankerFromTheConfiguredSettings() {
        Path dir = TinyCrossEncoder.write(models.resolve("tiny"), Kind.OVERLAP_ONE_LOGIT);
        context.withPropertyValues("lore.rerank.cross-encoder.model-dir=" + dir,
                "lore.rerank.cross-encoder.batch-size=2", "lore.rerank.cross-encoder.sigmoid=false",
                "lore.models.onnx.device=cuda").run(started -> {
                    assertThat(started).hasNotFailed().hasSingleBean(Reranker.class).hasBean("crossEncoderReranker");
                    assertThat(started.getBean(CrossEncoderProperties.class).maxLength()).isEqualTo(512);
                    assertThat(started.getBean(OnnxProperties.class).device()).isEqualTo(OnnxDevice.CUDA);
                    Reranker reranker = started.getBean("crossEncoderReranker", Reranker.class);
                    assertThat(reranker.score("vacation days", List.of("laptop", "vacation", "vacation days", "days")))
                            .containsExactly(0.0, 1.0, 2.0, 1.0);
                });
    }

    @Test
    void failsAtStartUpWhenTheModelDirectoryIsMissing() {
        context.withPropertyValues("lore.rerank.cross-encoder.model-dir=" + models.resolve("absent")).run(started -> {
            assertThat(started).hasFailed();
            assertThat(started.getStartupFailure()).rootCause().isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("lore.rerank.cross-encoder.model-dir");
        });
    }

    @Test
    void refusesABatchSizeBelowOne() {
        Path dir = TinyCrossEncoder.write(models.resolve("tiny"), Kind.OVERLAP_ONE_LOGIT);
        context.withPropertyValues("lore.rerank.cross-encoder.model-dir=" + dir, "lore.rerank.cross-encoder.batch-size=0")
                .run(started -> assertThat(started).hasFailed());
    }
}
