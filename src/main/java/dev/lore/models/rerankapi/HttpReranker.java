package dev.lore.models.rerankapi;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

import dev.lore.models.Reranker;
import dev.lore.models.backend.RemoteFailure;
import dev.lore.models.backend.RemoteHttp;
import dev.lore.models.backend.Resilience;
import dev.lore.models.backend.ResilienceProperties;
import io.micrometer.core.instrument.MeterRegistry;
import tools.jackson.databind.JsonNode;

/**
 * Scores passages with a remote cross-encoder behind a Cohere-style ({@code /v1/rerank}) or TEI ({@code /rerank})
 * API, in batches, each score put back at its passage's position.
 */
final class HttpReranker implements Reranker {

    private final RestClient http;
    private final RerankApiProperties properties;
    private final String path;
    private final Resilience resilience;

    HttpReranker(RestClient http, RerankApiProperties properties, Resilience resilience) {
        this.http = http;
        this.properties = properties;
        this.resilience = resilience;
        this.path = path(properties);
    }

    static HttpReranker create(RerankApiProperties properties, ResilienceProperties settings, MeterRegistry meters) {
        if (properties.baseUrl() == null || properties.baseUrl().isBlank()) {
            throw new IllegalStateException("lore.rerank.api.base-url is not set");
        }
        if (properties.format() == RerankApiProperties.Format.COHERE
                && (properties.model() == null || properties.model().isBlank())) {
            throw new IllegalStateException("lore.rerank.api.format=cohere needs lore.rerank.api.model "
                    + "(e.g. rerank-v3.5, jina-reranker-v2-base-multilingual, BAAI/bge-reranker-v2-m3)");
        }
        Map<String, String> headers = properties.key() == null || properties.key().isBlank() ? Map.of()
                : Map.of("Authorization", "Bearer " + properties.key());
        return new HttpReranker(RemoteHttp.restClient(properties.baseUrl(), settings, headers), properties,
                Resilience.of("rerank-api", settings, meters));
    }

    private static String path(RerankApiProperties properties) {
        if (properties.format() == RerankApiProperties.Format.TEI) {
            return "/rerank";
        }
        String base = properties.baseUrl().replaceAll("/+$", "");
        return base.endsWith("/v1") || base.endsWith("/v2") ? "/rerank" : "/v1/rerank";
    }

    @Override
    public String name() {
        String format = properties.format().name().toLowerCase(java.util.Locale.ROOT);
        return "rerank-api:" + format + (properties.model() == null ? "" : ":" + properties.model());
    }

    @Override
    public List<Double> score(String query, List<String> passages) {
        if (query == null || query.isBlank()) {
            throw new IllegalArgumentException("a rerank query must not be blank");
        }
        List<Double> scores = new ArrayList<>(passages.size());
        for (int start = 0; start < passages.size(); start += properties.batchSize()) {
            List<String> batch = passages.subList(start, Math.min(passages.size(), start + properties.batchSize()));
            String body = body(query, batch);
            scores.addAll(resilience.call(() -> aligned(http.post().uri(path).contentType(MediaType.APPLICATION_JSON)
                    .body(body).retrieve().body(String.class), batch.size())));
        }
        return List.copyOf(scores);
    }

    private String body(String query, List<String> batch) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (properties.format() == RerankApiProperties.Format.TEI) {
            body.put("query", query);
            body.put("texts", batch);
            body.put("raw_scores", false);
        }
        else {
            body.put("model", properties.model());
            body.put("query", query);
            body.put("documents", batch);
            body.put("top_n", batch.size());
        }
        return RemoteHttp.write(body);
    }

    private List<Double> aligned(String answer, int size) {
        JsonNode root = RemoteHttp.read(answer, "rerank answer");
        boolean tei = properties.format() == RerankApiProperties.Format.TEI;
        JsonNode results = tei ? root : root.path("results");
        if (!results.isArray()) {
            throw RemoteFailure.malformed("the rerank answer has no " + (tei ? "list of scores" : "'results' list"),
                    null);
        }
        Double[] scores = new Double[size];
        for (JsonNode result : results.values()) {
            double index = RemoteHttp.number(result, "index", "a rerank result");
            double score = RemoteHttp.number(result, tei ? "score" : "relevance_score", "a rerank result");
            if (index != Math.rint(index) || index < 0 || index >= size || scores[(int) index] != null) {
                throw RemoteFailure.malformed("a rerank result has index " + result.get("index") + " for " + size
                        + " passages", null);
            }
            scores[(int) index] = score;
        }
        if (Arrays.stream(scores).anyMatch(score -> score == null)) {
            throw RemoteFailure.malformed("the rerank answer scored " + results.size() + " of " + size + " passages",
                    null);
        }
        return Arrays.asList(scores);
    }
}
