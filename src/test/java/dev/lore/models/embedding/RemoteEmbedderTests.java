package dev.lore.models.embedding;

import static dev.lore.models.backend.FakeHttpServer.fastSettings;
import static dev.lore.models.backend.FakeHttpServer.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.mock.env.MockEnvironment;

import dev.lore.models.Embedder;
import dev.lore.models.EmbedderSelection;
import dev.lore.models.ModelFailure;
import dev.lore.models.ModelUnavailable;
import dev.lore.models.ModelsProperties;
import dev.lore.models.backend.FakeHttpServer;
import dev.lore.models.backend.ResilienceProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** The three wire formats against honest fakes: batching, prefixes, dimensions, and what Lore refuses to store. */
class RemoteEmbedderTests {

    private final FakeHttpServer server = new FakeHttpServer();

    @AfterEach
    void stop() {
        server.close();
    }

    private RemoteEmbedder embedder(String selection, Integer dimensions, int batchSize, String queryPrefix,
            String documentPrefix, Boolean matryoshka) {
        return RemoteEmbedderConfiguration.create(EmbedderSelection.parse(selection),
                new EmbeddingProperties(server.baseUrl(), "secret", dimensions, batchSize, queryPrefix,
                        documentPrefix, matryoshka),
                fastSettings(), new SimpleMeterRegistry(), new MockEnvironment());
    }

    private static String openAi(double[]... vectors) {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < vectors.length; i++) {
            data.append(i == 0 ? "" : ",").append("{\"object\":\"embedding\",\"index\":").append(i)
                    .append(",\"embedding\":").append(array(vectors[i])).append('}');
        }
        return "{\"object\":\"list\",\"data\":[" + data + "],\"model\":\"m\",\"usage\":{\"prompt_tokens\":3,"
                + "\"total_tokens\":3}}";
    }

    private static String array(double[] vector) {
        StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < vector.length; i++) {
            text.append(i == 0 ? "" : ",").append(vector[i]);
        }
        return text.append(']').toString();
    }

    private static String lists(double[]... vectors) {
        StringBuilder text = new StringBuilder("[");
        for (int i = 0; i < vectors.length; i++) {
            text.append(i == 0 ? "" : ",").append(array(vectors[i]));
        }
        return text.append(']').toString();
    }

    @Test
    void openAiBatchesInOrderAsksForShortenedVectorsAndNormalisesThem() {
        // the server answers the batch's items out of order, as the API allows: "index" puts them back
        server.on("/v1/embeddings", json(200, """
                {"object":"list","data":[{"object":"embedding","index":1,"embedding":[0,2,0]},
                 {"object":"embedding","index":0,"embedding":[3,0,4]}],"model":"text-embedding-3-small"}"""),
                json(200, openAi(new double[] { 0, 0, 1 })));
        RemoteEmbedder embedder = embedder("openai:text-embedding-3-small", 3, 2, null, null, null);

        List<float[]> vectors = embedder.embedDocuments(List.of("a", "b", "c"));

        assertThat(vectors).hasSize(3);
        assertThat(vectors.get(0)).containsExactly(new float[] { 0.6f, 0, 0.8f }, within(1e-6f));
        assertThat(vectors.get(1)).containsExactly(0, 1, 0);
        assertThat(vectors.get(2)).containsExactly(0, 0, 1);
        assertThat(server.received()).extracting(FakeHttpServer.Received::body).containsExactly(
                "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"],\"encoding_format\":\"float\","
                        + "\"dimensions\":3}",
                "{\"model\":\"text-embedding-3-small\",\"input\":[\"c\"],\"encoding_format\":\"float\","
                        + "\"dimensions\":3}");
        assertThat(server.received().get(0).header("Authorization")).isEqualTo("Bearer secret");
        // shortened vectors are not the model's full ones: the name a collection records says so
        assertThat(embedder.name()).isEqualTo("openai:text-embedding-3-small@3");
        assertThat(embedder.dimension()).isEqualTo(3);
        assertThat(embedder.matryoshka()).isTrue();
    }

    @Test
    void ollamaGetsTheModelsPrefixesForQueriesAndPassages() {
        server.on("/api/embed", json(200, "{\"model\":\"nomic-embed-text\",\"embeddings\":" + lists(new double[768])
                .replace("0.0,", "0.5,") + "}"));
        RemoteEmbedder embedder = embedder("ollama:nomic-embed-text", null, 32, null, null, null);

        embedder.embedQuery("what is lore?");
        embedder.embedDocuments(List.of("Lore answers questions."));

        assertThat(server.received()).extracting(FakeHttpServer.Received::body).containsExactly(
                "{\"model\":\"nomic-embed-text\",\"input\":[\"search_query: what is lore?\"]}",
                "{\"model\":\"nomic-embed-text\",\"input\":[\"search_document: Lore answers questions.\"]}");
        assertThat(embedder.dimension()).isEqualTo(768);
        assertThat(embedder.matryoshka()).isTrue();
        assertThat(embedder.name()).isEqualTo("ollama:nomic-embed-text");
    }

    @Test
    void teiTakesItsDimensionFromTheFirstAnswerAndConfiguredPrefixes() {
        server.on("/embed", json(200, lists(new double[] { 1, 0 }, new double[] { 0, 1 })),
                json(200, lists(new double[] { 1, 1 })));
        RemoteEmbedder embedder = embedder("tei", null, 2, "query: ", "passage: ", null);

        assertThat(embedder.embedDocuments(List.of("x", "y"))).hasSize(2);
        assertThat(embedder.dimension()).isEqualTo(2);
        assertThat(embedder.embedQuery("z")).containsExactly(new float[] { 0.70710677f, 0.70710677f },
                within(1e-6f));
        assertThat(server.received()).extracting(FakeHttpServer.Received::body).containsExactly(
                "{\"inputs\":[\"passage: x\",\"passage: y\"],\"truncate\":true,\"normalize\":true}",
                "{\"inputs\":[\"query: z\"],\"truncate\":true,\"normalize\":true}");
        assertThat(embedder.matryoshka()).isFalse();
    }

    @Test
    void anUnknownDimensionIsAskedOfTheServiceOnce() {
        server.on("/embed", json(200, lists(new double[] { 0, 0, 2, 0 })));
        RemoteEmbedder embedder = embedder("tei:bge-m3", null, 32, null, null, null);

        assertThat(embedder.dimension()).isEqualTo(4);
        long asked = server.count("/embed");
        assertThat(embedder.dimension()).isEqualTo(4);
        assertThat(server.count("/embed")).isEqualTo(asked);
        assertThat(embedder.name()).isEqualTo("tei:bge-m3");
    }

    @Test
    void aWrongDimensionIsAModelFailureNamingBothSizes() {
        server.on("/v1/embeddings", json(200, openAi(new double[] { 1, 0 })));
        Embedder embedder = embedder("openai:my-model", 3, 32, null, null, null);

        assertThatThrownBy(() -> embedder.embedDocuments(List.of("a")))
                .isInstanceOf(ModelFailure.class)
                .hasMessageContaining("2-dimensional vector where openai:my-model makes 3 dimensions");
        // a wrong answer is not retried: it would come back the same
        assertThat(server.count("/v1/embeddings")).isEqualTo(1);
    }

    @Test
    void nanInfinitiesZeroVectorsAndMissingVectorsAreModelFailures() {
        Embedder embedder = embedder("ollama:m", null, 32, null, null, null);
        server.on("/api/embed", json(200, "{\"embeddings\":[[0.1,null,0.3]]}"));
        assertThatThrownBy(() -> embedder.embedQuery("q")).isInstanceOf(ModelFailure.class)
                .hasMessageContaining("NaN or infinite");
        server.on("/api/embed", json(200, "{\"embeddings\":[[0.1,NaN,0.3]]}"));
        assertThatThrownBy(() -> embedder.embedQuery("q")).isInstanceOf(ModelFailure.class)
                .hasMessageContaining("NaN");
        server.on("/api/embed", json(200, "{\"embeddings\":[[0,0,0]]}"));
        assertThatThrownBy(() -> embedder.embedQuery("q")).isInstanceOf(ModelFailure.class)
                .hasMessageContaining("zero vector");
        server.on("/api/embed", json(200, "{\"embeddings\":[[1,0,0]]}"));
        assertThatThrownBy(() -> embedder.embedDocuments(List.of("a", "b"))).isInstanceOf(ModelFailure.class)
                .hasMessageContaining("holds 1 vectors for 2 texts");
        server.on("/api/embed", json(404, "{\"error\":\"model \\\"m\\\" not found, try pulling it first\"}"));
        assertThatThrownBy(() -> embedder.embedQuery("q")).isInstanceOf(ModelFailure.class)
                .hasMessageContaining("not found");
    }

    @Test
    void aServiceThatIsDownIsRetriedThenUnavailableWithRetryAfter() {
        server.on("/embed", json(503, "{\"error\":\"Model is overloaded\",\"error_type\":\"overloaded\"}"));
        Embedder embedder = embedder("tei", 2, 32, null, null, null);

        assertThatThrownBy(() -> embedder.embedQuery("q")).isInstanceOfSatisfying(ModelUnavailable.class,
                down -> assertThat(down.retryAfter()).isNotNull());
        assertThat(server.count("/embed")).isEqualTo(3);

        server.on("/embed", json(429, "{}", Map.of("Retry-After", "0")), json(200, lists(new double[] { 1, 0 })));
        assertThat(embedder("tei", 2, 32, null, null, null).embedQuery("q")).containsExactly(1, 0);
    }

    @Test
    void healthProbesTheServiceCheaply() {
        server.on("/health", json(200, "{}"));
        RemoteEmbedder embedder = embedder("tei", 2, 32, null, null, null);
        assertThat(embedder.health().getStatus().getCode()).isEqualTo("UP");
        assertThat(embedder.health().getDetails()).containsEntry("dimension", 2).containsKey("circuit");
        server.on("/health", json(503, "{}"));
        assertThat(embedder.health().getStatus().getCode()).isEqualTo("DOWN");
    }

    @Test
    void theSelectionOpensTheRemoteEmbedderInsteadOfTheInProcessOne() {
        new ApplicationContextRunner()
                .withUserConfiguration(Settings.class, RemoteEmbedderConfiguration.class)
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("lore.models.embedder=ollama:nomic-embed-text",
                        "spring.ai.ollama.base-url=" + server.baseUrl())
                .run(started -> assertThat(started).hasSingleBean(Embedder.class).getBean(Embedder.class)
                        .extracting(Embedder::name).isEqualTo("ollama:nomic-embed-text"));
        new ApplicationContextRunner()
                .withUserConfiguration(Settings.class, RemoteEmbedderConfiguration.class)
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .run(started -> assertThat(started).doesNotHaveBean(Embedder.class));
        new ApplicationContextRunner()
                .withUserConfiguration(Settings.class, RemoteEmbedderConfiguration.class)
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("lore.models.embedder=tei")
                .run(started -> assertThat(started).hasFailed().getFailure()
                        .hasStackTraceContaining("lore.models.embedding.base-url"));
    }

    @EnableConfigurationProperties({ ModelsProperties.class, EmbeddingProperties.class, ResilienceProperties.class })
    static class Settings {
    }
}
