package dev.lore.models.embedding;

import java.util.Map;

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
import dev.lore.models.backend.RemoteHttp;
import dev.lore.models.backend.Resilience;
import dev.lore.models.backend.ResilienceProperties;
import dev.lore.models.onnx.OnnxEmbedders;
import io.micrometer.core.instrument.MeterRegistry;

/** Opens the remote embedder that {@code lore.models.embedder} names ({@code openai:}, {@code ollama:}, {@code tei}). */
@Configuration(proxyBeanMethods = false)
@Conditional(RemoteEmbedderConfiguration.RemoteSelected.class)
class RemoteEmbedderConfiguration {

    private static final Logger log = LoggerFactory.getLogger(RemoteEmbedderConfiguration.class);

    /** Matches when {@code lore.models.embedder} names a remote embedder. */
    static final class RemoteSelected implements Condition {

        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return EmbedderSelection.parse(context.getEnvironment().getProperty("lore.models.embedder")).remote();
        }
    }

    @Bean
    Embedder embedder(ModelsProperties models, EmbeddingProperties properties, ResilienceProperties resilience,
            MeterRegistry meters, Environment environment) {
        RemoteEmbedder embedder = create(EmbedderSelection.parse(models.embedder()), properties, resilience, meters,
                environment);
        log.info("Embedder: {} (remote, {} texts a request, dimension {})", embedder.name(), embedder.batchSize(),
                properties.dimensions() != null ? properties.dimensions()
                        : KnownModel.of(models.embedder()).dimension() == 0 ? "from its first answer"
                                : KnownModel.of(models.embedder()).dimension());
        return embedder;
    }

    static RemoteEmbedder create(EmbedderSelection selection, EmbeddingProperties properties,
            ResilienceProperties resilience, MeterRegistry meters, Environment environment) {
        KnownModel known = KnownModel.of(selection.model());
        String baseUrl = firstSet(properties.baseUrl(), switch (selection.kind()) {
            case OPENAI -> environment.getProperty("spring.ai.openai.base-url", "https://api.openai.com");
            case OLLAMA -> environment.getProperty("spring.ai.ollama.base-url", "http://localhost:11434");
            default -> null;
        });
        if (baseUrl == null) {
            throw new IllegalStateException("lore.models.embedder=tei needs lore.models.embedding.base-url "
                    + "(where Text Embeddings Inference listens, e.g. http://localhost:8081)");
        }
        baseUrl = baseUrl.strip().replaceAll("/+$", "");
        String apiKey = firstSet(properties.apiKey(),
                selection.kind() == EmbedderSelection.Kind.OPENAI ? environment.getProperty("spring.ai.openai.api-key")
                        : null);
        Map<String, String> headers = apiKey == null ? Map.of() : Map.of("Authorization", "Bearer " + apiKey);
        Integer dimensions = properties.dimensions();
        WireFormat format = switch (selection.kind()) {
            // OpenAI's text-embedding-3 models shorten their own vectors when asked; others are sent no dimensions
            case OPENAI -> new WireFormat.OpenAi(selection.model(), known.matryoshka() ? dimensions : null,
                    baseUrl.endsWith("/v1"));
            case OLLAMA -> new WireFormat.Ollama(selection.model());
            case TEI -> new WireFormat.Tei();
            case IN_PROCESS -> throw new IllegalArgumentException("not a remote embedder: " + selection);
        };
        String name = switch (selection.kind()) {
            case OPENAI -> "openai:" + selection.model();
            case OLLAMA -> "ollama:" + selection.model();
            default -> selection.model().isEmpty() ? "tei" : "tei:" + selection.model();
        };
        // shortened vectors are other vectors: a collection records which
        if (dimensions != null && known.dimension() != 0 && dimensions != known.dimension()) {
            name += "@" + dimensions;
        }
        int dimension = dimensions != null ? dimensions : known.dimension();
        return new RemoteEmbedder(name, format, RemoteHttp.restClient(baseUrl, resilience, headers),
                RemoteHttp.probeClient(baseUrl, resilience, headers), Resilience.of(name, resilience, meters),
                properties.batchSize(), firstSet(properties.queryPrefix(), known.queryPrefix()),
                firstSet(properties.documentPrefix(), known.documentPrefix()),
                properties.matryoshka() != null ? properties.matryoshka() : known.matryoshka(), dimension,
                OnnxEmbedders.approximateTokenStarts(), baseUrl);
    }

    private static String firstSet(String value, String fallback) {
        return value != null ? value : fallback;
    }
}
