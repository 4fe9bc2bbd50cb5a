package dev.lore.models.rerankapi;

import static dev.lore.models.backend.FakeHttpServer.fastSettings;
import static dev.lore.models.backend.FakeHttpServer.json;
import static dev.lore.models.backend.FakeHttpServer.slow;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.lore.models.ModelFailure;
import dev.lore.models.ModelUnavailable;
import dev.lore.models.Reranker;
import dev.lore.models.backend.FakeHttpServer;
import dev.lore.models.backend.ResilienceProperties;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

class HttpRerankerTests {

    private final FakeHttpServer server = new FakeHttpServer();

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpReranker reranker(RerankApiProperties.Format format, int batchSize) {
        return HttpReranker.create(new RerankApiProperties(server.baseUrl(), "secret", "rerank-test", format,
                batchSize), fastSettings(), new SimpleMeterRegistry());
    }

    @Test
    void cohereScoresComeBackInPassageOrder() {
        server.on("/v1/rerank", json(200, """
                {"id":"r1","results":[{"index":2,"relevance_score":0.9},{"index":0,"relevance_score":0.5},
                 {"index":1,"relevance_score":0.125}],"meta":{"billed_units":{"search_units":1}}}
                """));

        List<Double> scores = reranker(RerankApiProperties.Format.COHERE, 32).score("capital of France",
                List.of("Lyon is big", "Bananas", "Paris is the capital"));

        assertThat(scores).containsExactly(0.5, 0.125, 0.9);
        FakeHttpServer.Received request = server.received().get(0);
        assertThat(request.header("Authorization")).isEqualTo("Bearer secret");
        assertThat(request.body()).contains("\"model\":\"rerank-test\"", "\"query\":\"capital of France\"",
                "\"documents\":[\"Lyon is big\",\"Bananas\",\"Paris is the capital\"]", "\"top_n\":3");
    }

    @Test
    void teiScoresAreAlignedAndSentInBatches() {
        server.on("/rerank", json(200, "[{\"index\":1,\"score\":0.25},{\"index\":0,\"score\":0.75}]"),
                json(200, "[{\"index\":0,\"score\":0.5}]"));

        List<Double> scores = reranker(RerankApiProperties.Format.TEI, 2).score("q", List.of("a", "b", "c"));

        assertThat(scores).containsExactly(0.75, 0.25, 0.5);
        assertThat(server.received()).extracting(FakeHttpServer.Received::body).containsExactly(
                "{\"query\":\"q\",\"texts\":[\"a\",\"b\"],\"raw_scores\":false}",
                "{\"query\":\"q\",\"texts\":[\"c\"],\"raw_scores\":false}");
    }

    @Test
    void noPassagesNoCall() {
        assertThat(reranker(RerankApiProperties.Format.TEI, 32).score("q", List.of())).isEmpty();
        assertThat(server.received()).isEmpty();
    }

    @Test
    void unavailableAndRateLimitedAnswersAreRetried() {
        server.on("/rerank", json(503, "{\"error\":\"loading\"}"), json(429, "{}", Map.of("Retry-After", "0")),
                json(200, "[{\"index\":0,\"score\":0.5}]"));

        assertThat(reranker(RerankApiProperties.Format.TEI, 32).score("q", List.of("a"))).containsExactly(0.5);
        assertThat(server.count("/rerank")).isEqualTo(3);
    }

    @Test
    void aSilentApiTimesOutQuickly() {
        server.on("/rerank", slow(Duration.ofSeconds(5), json(200, "[]")));
        long start = System.nanoTime();

        assertThatThrownBy(() -> reranker(RerankApiProperties.Format.TEI, 32).score("q", List.of("a")))
                .isInstanceOf(ModelUnavailable.class).hasMessageContaining("'rerank-api' is not answering");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(4));
    }

    @Test
    void answersThatDoNotCoverEveryPassageAreModelFailures() {
        server.on("/v1/rerank", json(200, "{\"results\":[{\"index\":0,\"relevance_score\":0.5}]}"));
        assertThatThrownBy(() -> reranker(RerankApiProperties.Format.COHERE, 32).score("q", List.of("a", "b")))
                .isInstanceOf(ModelFailure.class).hasMessageContaining("scored 1 of 2 passages");

        server.on("/v1/rerank", json(200, "{\"results\":[{\"index\":5,\"relevance_score\":0.5}]}"));
        assertThatThrownBy(() -> reranker(RerankApiProperties.Format.COHERE, 32).score("q", List.of("a")))
                .isInstanceOf(ModelFailure.class).hasMessageContaining("index 5 for 1 passages");

        server.on("/v1/rerank", json(200, "<html>gateway</html>"));
        assertThatThrownBy(() -> reranker(RerankApiProperties.Format.COHERE, 32).score("q", List.of("a")))
                .isInstanceOf(ModelFailure.class).hasMessageContaining("unreadable rerank answer");
    }

    @Test
    void theBeanExistsOnlyWhenABaseUrlIsSet() {
        ApplicationContextRunner context = new ApplicationContextRunner()
                .withUserConfiguration(Settings.class, RerankApiConfiguration.class)
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new);

        context.run(started -> assertThat(started).doesNotHaveBean(Reranker.class));
        context.withPropertyValues("lore.rerank.api.base-url=" + server.baseUrl(), "lore.rerank.api.format=tei")
                .run(started -> assertThat(started).hasSingleBean(Reranker.class).hasBean("apiReranker")
                        .getBean(Reranker.class).extracting(Reranker::name).isEqualTo("rerank-api:tei"));
    }

    @EnableConfigurationProperties({ RerankApiProperties.class, ResilienceProperties.class })
    static class Settings {
    }
}
