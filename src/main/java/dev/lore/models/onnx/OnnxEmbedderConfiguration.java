package dev.lore.models.onnx;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;

import dev.lore.models.Embedder;
import dev.lore.models.EmbedderSelection;
import dev.lore.models.ModelsProperties;

/** Chooses the in-process embedding model by {@code lore.models.embedder}, on {@code lore.models.onnx.device}. */
@Configuration(proxyBeanMethods = false)
@Conditional(OnnxEmbedderConfiguration.InProcessSelected.class)
class OnnxEmbedderConfiguration {

    /** Matches unless {@code lore.models.embedder} names a remote embedder. */
    static final class InProcessSelected implements Condition {

        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return !EmbedderSelection.parse(context.getEnvironment().getProperty("lore.models.embedder")).remote();
        }
    }

    private static final Logger log = LoggerFactory.getLogger(OnnxEmbedderConfiguration.class);

    @Bean
    Embedder embedder(ModelsProperties properties, OnnxProperties onnx, Environment environment) {
        OnnxEmbedder embedder = OnnxEmbedders.create(properties.embedder(), onnx);
        // none of the packaged models is Matryoshka-trained, but a user may mark one to try prefixes on it
        embedder.markMatryoshka(environment.getProperty("lore.models.embedding.matryoshka", Boolean.class, false));
        log.info("Embedder: {} ({} dimensions, in-process ONNX Runtime on {})", embedder.name(), embedder.dimension(),
                embedder.device());
        return embedder;
    }
}
