package dev.lore.models.embedding;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import org.springframework.boot.health.contributor.Health;
import org.springframework.http.MediaType;
import org.springframework.web.client.RestClient;

import dev.lore.models.Embedder;
import dev.lore.models.HealthProbe;
import dev.lore.models.backend.RemoteFailure;
import dev.lore.models.backend.Resilience;

/**
 * An embedder behind an HTTP service, in batches of {@code batchSize} texts, each call guarded like the generators'
 * (time limit, retries with backoff, circuit breaker, bulkhead): a service that is down surfaces as
 * {@link dev.lore.models.ModelUnavailable} (503 with {@code Retry-After}), an answer Lore cannot store (too few
 * vectors, a wrong dimension, NaN or infinite values, a zero vector) as {@link dev.lore.models.ModelFailure}, never as
 * vectors. Vectors are normalised to unit length, as the port promises. The dimension comes from the settings or
 * what Lore knows of the model, else from the first answer, and every later answer must match it.
 * <p>
 * Lore speaks the three wire formats itself with Spring's {@code RestClient}, as it does for rerank APIs: no Spring
 * AI starter is on the classpath (Lore binds Spring AI's keys itself), TEI's {@code /embed} has no client in Spring
 * AI or LangChain4j, and one small class shares batching, these checks and the guard across all three.
 */
final class RemoteEmbedder implements Embedder, HealthProbe {

    private final String name;
    private final WireFormat format;
    private final RestClient http;
    private final RestClient probe;
    private final Resilience resilience;
    private final int batchSize;
    private final String queryPrefix;
    private final String documentPrefix;
    private final boolean matryoshka;
    private final Function<String, int[]> tokenStarts;
    private final String baseUrl;
    private volatile int dimension;

    RemoteEmbedder(String name, WireFormat format, RestClient http, RestClient probe, Resilience resilience,
            int batchSize, String queryPrefix, String documentPrefix, boolean matryoshka, int dimension,
            Function<String, int[]> tokenStarts, String baseUrl) {
        this.name = name;
        this.format = format;
        this.http = http;
        this.probe = probe;
        this.resilience = resilience;
        this.batchSize = batchSize;
        this.queryPrefix = queryPrefix;
        this.documentPrefix = documentPrefix;
        this.matryoshka = matryoshka;
        this.dimension = dimension;
        this.tokenStarts = tokenStarts;
        this.baseUrl = baseUrl;
    }

    @Override
    public String name() {
        return name;
    }

    /** The model's dimension; asked of the service with one short text when neither settings nor Lore know it. */
    @Override
    public int dimension() {
        if (dimension == 0) {
            embed(List.of("dimension"), "");
        }
        return dimension;
    }

    @Override
    public boolean matryoshka() {
        return matryoshka;
    }

    int batchSize() {
        return batchSize;
    }

    String queryPrefix() {
        return queryPrefix;
    }

    String documentPrefix() {
        return documentPrefix;
    }

    @Override
    public List<float[]> embedDocuments(List<String> texts) {
        return embed(texts, documentPrefix);
    }

    @Override
    public float[] embedQuery(String text) {
        return embed(List.of(text), queryPrefix).get(0);
    }

    @Override
    public int[] tokenStarts(String text) {
        return tokenStarts.apply(text);
    }

    private List<float[]> embed(List<String> texts, String prefix) {
        List<float[]> vectors = new ArrayList<>(texts.size());
        for (int start = 0; start < texts.size(); start += batchSize) {
            List<String> batch = texts.subList(start, Math.min(texts.size(), start + batchSize)).stream()
                    .map(text -> prefix + text).toList();
            String body = format.body(batch);
            vectors.addAll(resilience.call(() -> checked(http.post().uri(format.path())
                    .contentType(MediaType.APPLICATION_JSON).body(body).retrieve().body(String.class), batch.size())));
        }
        return vectors;
    }

    private List<float[]> checked(String answer, int texts) {
        List<double[]> raw = format.read(answer, texts);
        if (raw.size() != texts) {
            throw RemoteFailure.malformed("the answer holds " + raw.size() + " vectors for " + texts + " texts", null);
        }
        int expected = dimension;
        List<float[]> vectors = new ArrayList<>(texts);
        for (double[] vector : raw) {
            if (expected != 0 && vector.length != expected) {
                throw RemoteFailure.malformed("it returned a " + vector.length + "-dimensional vector where " + name
                        + " makes " + expected + " dimensions", null);
            }
            if (vector.length == 0) {
                throw RemoteFailure.malformed("it returned an empty vector", null);
            }
            double norm = 0;
            for (double value : vector) {
                if (!Double.isFinite(value)) {
                    throw RemoteFailure.malformed("it returned a vector holding " + value
                            + " (NaN or infinite values cannot be searched)", null);
                }
                norm += value * value;
            }
            if (norm == 0) {
                throw RemoteFailure.malformed("it returned a zero vector, which has no direction to search by", null);
            }
            float[] unit = new float[vector.length];
            double scale = 1 / Math.sqrt(norm);
            for (int i = 0; i < vector.length; i++) {
                unit[i] = (float) (vector[i] * scale);
            }
            vectors.add(unit);
            expected = vector.length;
        }
        if (dimension == 0) {
            dimension = expected;
        }
        return vectors;
    }

    @Override
    public Health health() {
        try {
            probe.get().uri(format.probePath()).retrieve().toBodilessEntity();
            return Health.up().withDetail("name", name).withDetail("baseUrl", baseUrl)
                    .withDetail("dimension", dimension == 0 ? "unknown until its first answer" : dimension)
                    .withDetails(resilience.details()).build();
        }
        catch (RuntimeException failure) {
            return Health.down(failure).withDetail("name", name).withDetail("baseUrl", baseUrl)
                    .withDetails(resilience.details()).build();
        }
    }
}
