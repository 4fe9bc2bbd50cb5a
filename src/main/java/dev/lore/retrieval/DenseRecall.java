package dev.lore.retrieval;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import com.pgvector.PGvector;

import dev.lore.documents.CollectionRef;
import dev.lore.documents.Collections;
import dev.lore.documents.DenseSearch;
import dev.lore.documents.VectorIndexes;
import dev.lore.web.LoreException;

/**
 * Measures how much of exact dense search a collection's dense search keeps, for first stages of several sizes, so
 * that N can be chosen on the collection's own vectors: the N that keeps recall depends on them (on SciFact's real
 * vectors 160 candidates kept 0.98 of full's top 10; a million hard synthetic ones needed several times more, see the
 * README's benchmarks), and no default suits every collection. Real queries are not stored, so the queries are the
 * vectors of chunks sampled from the collection, each left out of its own results. Exact search scans the
 * collection's vectors once per query: a measurement costs {@code queries} such scans, which is why it is asked for
 * and never runs by itself.
 */
@Component
public class DenseRecall {

    private static final Logger log = LoggerFactory.getLogger(DenseRecall.class);

    static final int MAX_QUERIES = 200;
    static final int MAX_SIZES = 12;
    static final List<Integer> DEFAULT_CANDIDATES = List.of(20, 40, 80, 160, 320, 640, 1000);
    private static final java.time.Duration RETRY_AFTER = java.time.Duration.ofSeconds(10);

    private final java.util.concurrent.Semaphore running = new java.util.concurrent.Semaphore(1);

    /**
     * One first-stage size: N as run (never below the results asked for), the graph's {@code ef_search} for it, the
     * mean share of exact search's top k found, and the median time of one search.
     */
    public record Measurement(Integer candidates, Integer efSearch, double recall, double p50Ms) {
    }

    /**
     * What was measured: {@code firstStage} is {@code hnsw} when the mode's graph served the first stage, or
     * {@code exact} when the collection has no index for that mode (then only the short representation's loss
     * shows); {@code suggestedCandidates} is the smallest N whose recall reached {@code target}, if any did.
     */
    public record Report(String collection, String mode, long chunks, int queries, int topK, String firstStage,
            double exactP50Ms, double target, List<Measurement> results, Integer suggestedCandidates) {
    }

    private final Collections collections;
    private final SearchQueries queries;
    private final VectorIndexes vectorIndexes;
    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;

    DenseRecall(Collections collections, SearchQueries queries, VectorIndexes vectorIndexes, JdbcClient jdbc,
            TransactionTemplate transactions) {
        this.collections = collections;
        this.queries = queries;
        this.vectorIndexes = vectorIndexes;
        this.jdbc = jdbc;
        this.transactions = transactions;
    }

    private record Sample(UUID id, float[] vector) {
    }

    /**
     * Measures the collection's dense search ({@code mode}, else its own) against exact search; the key must be
     * able to read the collection and change it, as choosing its N is a change. Nothing is written.
     */
    public Report measure(String name, String mode, List<Integer> candidates, Integer queryCount, Integer topK,
            Double target) {
        CollectionRef collection = collections.writable(name);
        collections.readable(name);
        DenseSearch search = mode == null ? collection.denseSearch() : collections.checked(collection, mode, null);
        int k = topK == null ? 10 : topK;
        int wanted = queryCount == null ? 20 : queryCount;
        double goal = target == null ? 0.95 : target;
        if (k < 1 || k > SearchRequest.MAX_TOP_K) {
            throw LoreException.invalid("topK must be between 1 and " + SearchRequest.MAX_TOP_K + ", was " + k);
        }
        if (wanted < 1 || wanted > MAX_QUERIES) {
            throw LoreException.invalid("queries must be between 1 and " + MAX_QUERIES + ", was " + wanted);
        }
        if (!(goal > 0 && goal <= 1)) {
            throw LoreException.invalid("target must be above 0 and at most 1, was " + goal);
        }
        List<Integer> sizes = sizes(search, candidates, k);
        // one measurement at a time on this instance: each is up to hundreds of scans of a collection
        if (!running.tryAcquire()) {
            throw LoreException.unavailable("measurement-running", "A measurement is running", "This instance is"
                    + " measuring a collection's dense search already; try again when it is done", RETRY_AFTER);
        }
        try {
            return measure(collection, search, sizes, wanted, k, goal);
        }
        finally {
            running.release();
        }
    }

    private Report measure(CollectionRef collection, DenseSearch search, List<Integer> sizes, int wanted, int k,
            double goal) {
        String name = collection.name();

        List<Sample> sample = jdbc.sql("""
                SELECT id, embedding::real[] FROM chunks WHERE collection_id = :collection
                ORDER BY random() LIMIT :n""")
                .param("collection", collection.id()).param("n", wanted)
                .query((rs, row) -> new Sample(rs.getObject(1, UUID.class), floats(rs.getArray(2)))).list();
        if (sample.size() < 2) {
            throw LoreException.conflict("nothing-to-measure", "Nothing to measure", "Collection '" + name
                    + "' holds " + sample.size() + " chunk(s); dense search needs at least two to be measured");
        }

        long[] exactNanos = new long[sample.size()];
        List<Set<UUID>> truth = new ArrayList<>();
        for (int i = 0; i < sample.size(); i++) {
            Sample query = sample.get(i);
            long start = System.nanoTime();
            truth.add(exact(collection, query, k));
            exactNanos[i] = System.nanoTime() - start;
        }
        List<Measurement> results = new ArrayList<>();
        Integer suggested = null;
        for (Integer size : sizes) {
            CollectionRef measured = new CollectionRef(collection.id(), collection.name(), collection.embedder(),
                    collection.dimension(), new DenseSearch(search.mode(), search.prefixDimensions(), size));
            long[] nanos = new long[sample.size()];
            double found = 0;
            SearchQueries.Dense dense = null;
            for (int i = 0; i < sample.size(); i++) {
                Sample query = sample.get(i);
                long start = System.nanoTime();
                // one more than k, as the query's own chunk is among the results and is left out
                dense = queries.dense(measured, query.vector(), SearchFilter.NONE, k + 1, size == null ? k : size);
                nanos[i] = System.nanoTime() - start;
                found += share(dense.candidates().stream().map(SearchQueries.Candidate::chunkId)
                        .filter(id -> !id.equals(query.id())).limit(k).toList(), truth.get(i));
            }
            double recall = Math.round(found / sample.size() * 10_000) / 10_000.0;
            // sizes() raised every size to at least k + 1, so the first stage ran with exactly this many rows
            results.add(new Measurement(size, size == null ? null : dense.firstStageEfSearch(), recall,
                    median(nanos)));
            if (suggested == null && size != null && recall >= goal) {
                suggested = size;
            }
        }
        boolean graph = search.text().equals(collection.denseSearch().text()) && vectorIndexes.ready(collection.id());
        long chunks = jdbc.sql("SELECT chunk_count FROM collections WHERE id = :id").param("id", collection.id())
                .query(Long.class).single();
        Report report = new Report(name, search.text(), chunks, sample.size(), k, graph ? "hnsw" : "exact",
                median(exactNanos), goal, results, suggested);
        log.info("Dense recall of collection '{}' ({}, first stage {}, {} queries, top {}): {}; suggested N {}",
                name, report.mode(), report.firstStage(), report.queries(), k, results.stream()
                        .map(m -> (m.candidates() == null ? "" : "N " + m.candidates() + ": ") + m.recall()
                                + " (p50 " + m.p50Ms() + " ms)")
                        .collect(java.util.stream.Collectors.joining(", ")), suggested);
        return report;
    }

    /**
     * The first-stage sizes to measure, ascending and each at least {@code k + 1} (the rows a query asks for), without
     * repeats; {@code full} has none (its one row is the graph's own recall).
     */
    private static List<Integer> sizes(DenseSearch search, List<Integer> candidates, int k) {
        if (!search.twoStage()) {
            if (candidates != null && !candidates.isEmpty()) {
                throw LoreException.invalid("candidates apply to the binary and matryoshka modes, not full");
            }
            return java.util.Collections.singletonList(null);
        }
        List<Integer> sizes = candidates == null || candidates.isEmpty() ? DEFAULT_CANDIDATES : candidates;
        if (sizes.size() > MAX_SIZES) {
            throw LoreException.invalid("at most " + MAX_SIZES + " candidates sizes, was " + sizes.size());
        }
        for (Integer size : sizes) {
            if (size == null || size < 1 || size > DenseSearch.MAX_CANDIDATES) {
                throw LoreException.invalid("candidates must be between 1 and " + DenseSearch.MAX_CANDIDATES
                        + ", was " + size);
            }
        }
        return sizes.stream().map(size -> Math.max(size, k + 1)).distinct().sorted().toList();
    }

    /** Exact search's top k for the query, its own chunk left out: no index may serve it, so it is a scan. */
    private Set<UUID> exact(CollectionRef collection, Sample query, int k) {
        return transactions.execute(status -> {
            jdbc.sql("SELECT set_config('enable_indexscan', 'off', true)").query(String.class).single();
            return new HashSet<>(jdbc.sql("""
                    SELECT id FROM chunks WHERE collection_id = %d AND id <> :self
                    ORDER BY embedding::vector(%d) <=> :query LIMIT :k"""
                    .formatted(collection.id(), collection.dimension()))
                    .param("self", query.id()).param("query", new PGvector(query.vector())).param("k", k)
                    .query(UUID.class).list());
        });
    }

    private static double share(List<UUID> found, Set<UUID> truth) {
        return truth.isEmpty() ? 1.0 : found.stream().filter(truth::contains).count() / (double) truth.size();
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        java.util.Arrays.sort(sorted);
        double middle = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2.0;
        return Math.round(middle / 10_000.0) / 100.0;
    }

    /**
     * The vector read as {@code real[]}: PGvector's text constructor needs the driver's classes at compile time, and
     * main code has the driver at run time only.
     */
    private static float[] floats(java.sql.Array array) throws java.sql.SQLException {
        Float[] boxed = (Float[]) array.getArray();
        float[] vector = new float[boxed.length];
        for (int i = 0; i < boxed.length; i++) {
            vector[i] = boxed[i];
        }
        return vector;
    }
}
