package dev.lore.retrieval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.springframework.stereotype.Service;

import dev.lore.documents.ChunkOverlap;
import dev.lore.documents.CollectionRef;
import dev.lore.documents.Collections;
import dev.lore.documents.VectorIndexProperties;
import dev.lore.models.Embedder;
import dev.lore.models.Reranker;
import dev.lore.models.Usage;
import dev.lore.retrieval.hyde.HydeEmbedding;
import dev.lore.retrieval.hyde.HydeQueryEmbedder;
import dev.lore.retrieval.lexical.LexicalSearch;
import dev.lore.retrieval.rerank.Rerankers;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Finds the chunks of a collection that answer a query: dense (from the query's embedding or its HyDE vector),
 * lexical, or both fused (by reciprocal rank, or by normalised scores: {@code lore.retrieval.fusion}), then optionally
 * reranked.
 */
@Service
public class Retriever {

    private final Collections collections;
    private final Embedder embedder;
    private final SearchQueries queries;
    private final RetrievalProperties properties;
    private final MeterRegistry meters;
    private final HydeQueryEmbedder hyde;
    private final Rerankers rerankers;
    private final VectorIndexProperties vectorIndexes;
    private final LexicalSearch lexicalSearch;
    private final DenseStage denseStage;

    Retriever(Collections collections, Embedder embedder, SearchQueries queries, RetrievalProperties properties,
            MeterRegistry meters, HydeQueryEmbedder hyde, Rerankers rerankers, VectorIndexProperties vectorIndexes,
            LexicalSearch lexicalSearch, DenseStage denseStage) {
        this.denseStage = denseStage;
        this.lexicalSearch = lexicalSearch;
        this.vectorIndexes = vectorIndexes;
        this.collections = collections;
        this.embedder = embedder;
        this.queries = queries;
        this.properties = properties;
        this.meters = meters;
        this.hyde = hyde;
        this.rerankers = rerankers;
    }

    /** The HyDE settings a search gets when it asks for HyDE without saying how ({@code "hyde": true}). */
    public HydeSettings hydeDefaults() {
        return hyde.defaults();
    }

    /**
     * Fails the way a search of {@code collection} would before doing any work (unknown or unreadable collection, a
     * reranker that is not configured, vectors of another embedder), for callers that must answer such a failure
     * before they start streaming.
     */
    public void check(String collection, SearchMode mode, RerankMode rerank) {
        CollectionRef readable = collections.readable(collection);
        if (rerank != null && rerank != RerankMode.NONE) {
            rerankers.get(rerank);
        }
        if (mode != SearchMode.LEXICAL) {
            collections.checkEmbedder(readable);
        }
    }

    public SearchResult search(SearchRequest request) {
        long start = System.nanoTime();
        CollectionRef collection = collections.readable(request.collection());
        Map<String, Long> timings = new LinkedHashMap<>();
        Map<String, Object> trace = new LinkedHashMap<>();
        Map<UUID, Map<String, Double>> scores = new LinkedHashMap<>();
        List<SearchQueries.Candidate> dense = List.of();
        SearchQueries.Dense denseSearch = null;
        List<SearchQueries.Candidate> lexical = List.of();
        Map<String, Object> usage = new LinkedHashMap<>();
        Reranker reranker = request.rerank() == RerankMode.NONE ? null : rerankers.get(request.rerank());

        if (request.mode() != SearchMode.LEXICAL) {
            collections.checkEmbedder(collection);
            long t = System.nanoTime();
            float[] vector;
            if (request.hyde() != null) {
                HydeEmbedding hypothetical = hyde.embed(collection.id(), collection.name(), request.query(),
                        request.hyde());
                vector = hypothetical.vector();
                timings.put("hyde", hypothetical.generationMillis());
                usage.put("hyde", usage(hypothetical.generator(), hypothetical.usage(), hypothetical.cached()));
                if (request.explain()) {
                    trace.put("hyde", Map.of("prompt", hypothetical.prompt(), "generator", hypothetical.generator(),
                            "documents", hypothetical.passages(), "embeddedDocuments",
                            hypothetical.embeddedPassages(), "includeQuery", hypothetical.includeQuery(),
                            "generationMs", hypothetical.generationMillis(), "cached", hypothetical.cached()));
                }
            }
            else {
                vector = embedder.embedQuery(request.query());
            }
            timings.put("embed", millisSince(t) - timings.getOrDefault("hyde", 0L));
            t = System.nanoTime();
            denseSearch = denseStage.search(collection, vector, request.filter(), request.candidates(),
                    vectorIndexes.candidates());
            dense = denseSearch.candidates();
            timings.put("dense", millisSince(t));
            record(dense, "dense", scores);
        }
        if (request.mode() != SearchMode.DENSE) {
            long t = System.nanoTime();
            lexical = lexicalSearch.search(collection.id(), request.query(), request.filter(), request.candidates())
                    .stream().map(hit -> new SearchQueries.Candidate(hit.chunkId(), hit.score())).toList();
            timings.put("lexical", millisSince(t));
            record(lexical, "lexical", scores);
        }
        List<SearchQueries.Candidate> ranked = switch (request.mode()) {
            case DENSE -> dense;
            case LEXICAL -> lexical;
            case HYBRID -> properties.fusion() == RetrievalProperties.Fusion.SCORES
                    ? ScoreFusion.fuse(properties.fusionLexicalWeight(), dense, lexical)
                    : ReciprocalRankFusion.fuse(properties.rrfK(), List.of(dense, lexical));
        };
        if (request.mode() == SearchMode.HYBRID) {
            record(ranked, "fused", scores);
        }
        int fetched = reranker == null ? request.topK() : request.rerankCandidates();
        List<SearchQueries.Candidate> top = ranked.subList(0, Math.min(fetched, ranked.size()));
        long t = System.nanoTime();
        Map<UUID, SearchQueries.Row> rows = queries.rows(top.stream().map(SearchQueries.Candidate::chunkId).toList())
                .stream().collect(Collectors.toMap(SearchQueries.Row::chunkId, Function.identity()));
        timings.put("fetch", millisSince(t));
        if (reranker != null) {
            List<SearchQueries.Candidate> present = top.stream().filter(c -> rows.containsKey(c.chunkId())).toList();
            t = System.nanoTime();
            List<Double> rerankScores = reranker.score(request.query(),
                    present.stream().map(c -> rows.get(c.chunkId()).text()).toList());
            timings.put("rerank", millisSince(t));
            List<SearchQueries.Candidate> reranked = new ArrayList<>();
            for (int i = 0; i < present.size(); i++) {
                reranked.add(new SearchQueries.Candidate(present.get(i).chunkId(), rerankScores.get(i)));
            }
            reranked.sort(java.util.Comparator.comparingDouble(SearchQueries.Candidate::score).reversed());
            record(reranked, "rerank", scores);
            if (request.explain()) {
                trace.put("rerank", Map.of("reranker", reranker.name(), "candidates", describe(reranked)));
            }
            top = reranked.subList(0, Math.min(request.topK(), reranked.size()));
        }
        List<SearchHit> hits = new ArrayList<>();
        for (SearchQueries.Candidate candidate : top) {
            SearchQueries.Row row = rows.get(candidate.chunkId());
            if (row != null) {
                hits.add(new SearchHit(row.chunkId(), row.documentId(), row.source(), row.title(), row.headingPath(),
                        row.text(), candidate.score(), scores.get(candidate.chunkId()), row.metadata()));
            }
        }
        timings.put("total", millisSince(start));
        meters.timer("lore.search", "mode", request.mode().name().toLowerCase()).record(System.nanoTime() - start,
                TimeUnit.NANOSECONDS);
        if (request.explain()) {
            trace.put("collection", Map.of("name", collection.name(), "embedder", collection.embedder()));
            trace.put("mode", request.mode().name().toLowerCase());
            trace.put("queries", List.of(Map.of("text", request.query(), "reason", "initial")));
            trace.put("rerank", trace.getOrDefault("rerank", Map.of("reranker", "none")));
            trace.put("filter", request.filter());
            trace.put("candidatesPerList", request.candidates());
            Map<String, Object> stages = new LinkedHashMap<>();
            if (request.mode() != SearchMode.LEXICAL) {
                stages.put("dense", describe(dense));
                trace.put("denseSearch", denseTrace(denseSearch));
            }
            if (request.mode() != SearchMode.DENSE) {
                stages.put("lexical", describe(lexical));
            }
            if (request.mode() == SearchMode.HYBRID) {
                stages.put("fused", properties.fusion() == RetrievalProperties.Fusion.SCORES
                        ? Map.of("function", "scores", "lexicalWeight", properties.fusionLexicalWeight(),
                                "candidates", describe(ranked))
                        : Map.of("function", "rrf", "k", properties.rrfK(), "candidates", describe(ranked)));
            }
            trace.put("stages", stages);
        }
        return new SearchResult(hits, timings, request.explain() ? trace : null, usage.isEmpty() ? null : usage);
    }

    /** A hit widened by the chunks around it, and every chunk its text now holds. */
    public record Widened(SearchHit hit, java.util.Set<UUID> chunks) {
    }

    /**
     * Each hit widened "small to big" by up to {@code radius} chunks before and after it in its document, joined in
     * document order with the overlap a cut section repeats at the start of its next chunk removed. The hit keeps its
     * id, scores and metadata; {@link Widened#chunks()} says which chunks its text now covers, so that a caller can
     * drop hits the widened text already holds.
     */
    public List<Widened> widen(String collection, List<SearchHit> hits, int radius) {
        collections.readable(collection);
        Map<UUID, List<SearchQueries.Neighbour>> byHit = new LinkedHashMap<>();
        for (SearchQueries.Neighbour neighbour : queries.neighbours(hits.stream().map(SearchHit::chunkId).toList(),
                radius)) {
            byHit.computeIfAbsent(neighbour.hitId(), id -> new ArrayList<>()).add(neighbour);
        }
        List<Widened> widened = new ArrayList<>();
        for (SearchHit hit : hits) {
            List<SearchQueries.Neighbour> around = byHit.getOrDefault(hit.chunkId(), List.of());
            if (around.size() <= 1) {
                widened.add(new Widened(hit, java.util.Set.of(hit.chunkId())));
                continue;
            }
            String text = "";
            java.util.Set<UUID> chunks = new java.util.LinkedHashSet<>();
            for (SearchQueries.Neighbour neighbour : around) {
                text = ChunkOverlap.join(text, neighbour.offset() == 0 ? hit.text() : neighbour.text());
                chunks.add(neighbour.chunkId());
            }
            widened.add(new Widened(new SearchHit(hit.chunkId(), hit.documentId(), hit.source(), hit.title(),
                    hit.headingPath(), text, hit.score(), hit.scores(), hit.metadata()), chunks));
        }
        return widened;
    }

    /**
     * How dense search ran: for two stages, the first stage's index, row limit and rows, and each re-scored
     * candidate's rank and distance in the first stage beside its final rank and score.
     */
    private static Map<String, Object> denseTrace(SearchQueries.Dense dense) {
        Map<String, Object> trace = new LinkedHashMap<>();
        trace.put("mode", dense.search().text());
        trace.put("engine", dense.engine());
        if (!dense.search().twoStage()) {
            trace.put("stages", List.of(Map.of("stage", "cosine", "index", DenseStage.OPENSEARCH.equals(dense.engine())
                    ? "k-NN plugin's hnsw over whole vectors, Lucene engine (or exact where a filter leaves few)"
                    : "hnsw over whole vectors (or exact)", "rows", dense.candidates().size())));
            return trace;
        }
        String first = switch (dense.search().mode()) {
            case BINARY -> "hamming distance of binary_quantize(embedding)";
            case MATRYOSHKA -> "cosine distance of the first " + dense.search().prefixDimensions() + " dimensions";
            case FULL -> throw new IllegalStateException();
        };
        List<Map<String, Object>> rescored = new ArrayList<>();
        List<SearchQueries.Candidate> candidates = dense.candidates();
        for (int i = 0; i < candidates.size(); i++) {
            SearchQueries.FirstStage stage = dense.firstStage().get(candidates.get(i).chunkId());
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("rank", i + 1);
            entry.put("chunkId", candidates.get(i).chunkId());
            entry.put("score", candidates.get(i).score());
            entry.put("firstStageRank", stage == null ? null : stage.rank());
            entry.put("firstStageDistance", stage == null ? null : stage.distance());
            rescored.add(entry);
        }
        trace.put("candidates", dense.firstStageLimit());
        trace.put("stages", List.of(
                Map.of("stage", "first", "distance", first, "limit", dense.firstStageLimit(), "rows",
                        dense.firstStageRows(), "efSearch", dense.firstStageEfSearch()),
                Map.of("stage", "rescore", "distance", "cosine distance of the whole vectors", "rows",
                        candidates.size(), "candidates", rescored)));
        return trace;
    }

    private static Map<String, Object> usage(String generator, Usage usage, boolean cached) {
        return Map.of("generator", generator, "promptTokens", usage.promptTokens(), "completionTokens",
                usage.completionTokens(), "cached", cached);
    }

    private static void record(List<SearchQueries.Candidate> candidates, String stage,
            Map<UUID, Map<String, Double>> scores) {
        for (SearchQueries.Candidate candidate : candidates) {
            scores.computeIfAbsent(candidate.chunkId(), id -> new LinkedHashMap<>()).put(stage, candidate.score());
        }
    }

    private static List<Map<String, Object>> describe(List<SearchQueries.Candidate> candidates) {
        List<Map<String, Object>> described = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            described.add(Map.of("rank", i + 1, "chunkId", candidates.get(i).chunkId(),
                    "score", candidates.get(i).score()));
        }
        return described;
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }
}
