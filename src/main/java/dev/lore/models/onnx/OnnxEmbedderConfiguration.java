package dev.lore.models.onnx;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.lore.models.Embedder;
import dev.lore.models.ModelsProperties;

/** Chooses the in-process embedding model by {@code lore.models.embedder}, on {@code lore.models.onnx.device}. */
@Configuration(proxyBeanMethods = false)
class OnnxEmbedderConfiguration {

    private static final Logger log = LoggerFactory.getLogger(OnnxEmbedderConfiguration.class);

    @Bean
    Embedder embedder(ModelsProperties properties, OnnxProperties onnx) {
        OnnxEmbedder embedder = OnnxEmbedders.create(properties.embedder(), onnx);
        log.info("Embedder: {} ({} dimensions, in-process ONNX Runtime on {})", embedder.name(), embedder.dimension(),
                embedder.device());
        return embedder;
    }
}
