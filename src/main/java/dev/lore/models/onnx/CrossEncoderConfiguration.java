package dev.lore.models.onnx;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.lore.models.Reranker;

/** Registers the in-process cross-encoder as {@code crossEncoderReranker} when its model directory is configured. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(prefix = "lore.rerank.cross-encoder", name = "model-dir")
@EnableConfigurationProperties({ CrossEncoderProperties.class, OnnxProperties.class })
class CrossEncoderConfiguration {

    private static final Logger log = LoggerFactory.getLogger(CrossEncoderConfiguration.class);

    @Bean
    Reranker crossEncoderReranker(CrossEncoderProperties settings, OnnxProperties onnx) {
        OnnxCrossEncoder reranker = OnnxCrossEncoder.load(settings, onnx);
        log.info("Reranker: {} (in-process ONNX Runtime on {}, max {} tokens, batches of {})", reranker.name(),
                reranker.device(), settings.maxLength(), settings.batchSize());
        return reranker;
    }
}
