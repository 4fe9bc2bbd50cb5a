package dev.lore.retrieval.hyde;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import dev.lore.models.Completion;
import dev.lore.models.Embedder;
import dev.lore.models.Generation;
import dev.lore.models.GenerationOptions;
import dev.lore.models.GenerationRequest;
import dev.lore.models.Generator;
import dev.lore.models.GeneratorUnavailable;
import dev.lore.models.Generators;
import dev.lore.prompts.Prompts;
import dev.lore.retrieval.HydeSettings;
import dev.lore.web.LoreException;

/**
 * Hypothetical document embeddings (Gao et al. 2022): the generator writes N passages that answer the query, and the
 * search vector is the mean of their embeddings and, as in the paper, the query's own: (f(q) + Σ f(d_k)) / (N + 1).
 */
@Component
public class HydeQueryEmbedder {

    private static final Logger log = LoggerFactory.getLogger(HydeQueryEmbedder.class);

    private final Generators generators;
    private final Embedder embedder;
    private final Prompts prompts;
    private final HydeProperties properties;
    private final Cache<Key, HydeEmbedding> cache;

    HydeQueryEmbedder(Generators generators, Embedder embedder, Prompts prompts, HydeProperties properties) {
        this.generators = generators;
        this.embedder = embedder;
        this.prompts = prompts;
        this.properties = properties;
        prompts.require("hyde", "question");
        properties.prompts().values().forEach(name -> prompts.require(name, "question"));
        this.cache = Caffeine.newBuilder().maximumSize(properties.cacheSize()).expireAfterWrite(properties.cacheTtl())
                .build();
    }

    /** The settings a request gets when it says {@code "hyde": true}. */
    public HydeSettings defaults() {
        return new HydeSettings(properties.documents(), true, null);
    }

    public HydeEmbedding embed(long collectionId, String collectionName, String query, HydeSettings settings) {
        Generator generator = generators.generator().orElseThrow(() -> GeneratorUnavailable.notConfigured(
                "HyDE (it writes hypothetical passages)", "search with hyde=false"));
        String promptName = promptFor(collectionName, settings);
        Key key = new Key(collectionId, query, settings.documents(), settings.includeQuery(), promptName,
                generator.name(), embedder.name());
        HydeEmbedding cached = cache.getIfPresent(key);
        if (cached != null) {
            return cached.fromCache();
        }
        String prompt = prompts.get(promptName).render(Map.of("question", query));
        long start = System.nanoTime();
        Generation generation = generate(generator, prompt, settings.documents());
        long generationMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        List<String> passages = generation.completions().stream().map(Completion::text).map(String::strip).toList();
        List<String> usable = passages.stream().filter(HydeQueryEmbedder::hasWords).toList();
        if (usable.size() < passages.size()) {
            log.warn("HyDE: {} of {} passages from {} had no words; averaging the rest{}", passages.size() - usable.size(),
                    passages.size(), generator.name(), usable.isEmpty() ? " (only the query's own embedding)" : "");
        }
        HydeEmbedding embedding = new HydeEmbedding(average(query, usable, settings.includeQuery()), promptName,
                passages, usable.size(), settings.includeQuery(), generator.name(), generation.usage(),
                generationMillis, false);
        if (!usable.isEmpty()) { // a vector from some of the passages is still HyDE's; one from none is asked again
            cache.put(key, embedding);
        }
        return embedding;
    }

    private String promptFor(String collectionName, HydeSettings settings) {
        String name = settings.prompt() != null ? settings.prompt()
                : properties.prompts().getOrDefault(collectionName, "hyde");
        if (!prompts.contains(name)) {
            throw LoreException.invalid("No HyDE prompt named '" + name + "' (a prompts/" + name + ".st file)");
        }
        return name;
    }

    /** One request for N completions: backends without {@code n} run the N calls concurrently themselves. */
    private Generation generate(Generator generator, String prompt, int documents) {
        GenerationOptions options = GenerationOptions.DEFAULTS.withTemperature(properties.temperature())
                .withMaxTokens(properties.maxTokens()).withN(documents);
        return generator.generate(GenerationRequest.of(prompt, options));
    }

    /**
     * Whether a passage has a letter or digit: a model that stops at once, or writes only spaces, punctuation or
     * control characters, gives nothing to embed (and ONNX embedders refuse blank text).
     */
    private static boolean hasWords(String passage) {
        return passage.codePoints().anyMatch(Character::isLetterOrDigit);
    }

    /**
     * The mean of the passages' embeddings and, when asked for, the query's. If no passage is left, the query's own
     * embedding is the vector, so a mute generator degrades HyDE to plain dense search instead of failing it.
     */
    private float[] average(String query, List<String> passages, boolean includeQuery) {
        List<float[]> vectors = new ArrayList<>(embedder.embedDocuments(passages));
        if (includeQuery || vectors.isEmpty()) {
            vectors.add(embedder.embedQuery(query));
        }
        float[] mean = new float[embedder.dimension()];
        for (float[] vector : vectors) {
            for (int i = 0; i < mean.length; i++) {
                mean[i] += vector[i];
            }
        }
        for (int i = 0; i < mean.length; i++) {
            mean[i] /= vectors.size();
        }
        return mean;
    }

    private record Key(long collection, String query, int documents, boolean includeQuery, String prompt,
            String generator, String embedder) {
    }
}
