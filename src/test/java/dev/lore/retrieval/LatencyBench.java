package dev.lore.retrieval;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.jdbc.support.JdbcTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.lore.documents.VectorIndexes;
import dev.lore.models.Embedder;
import dev.lore.retrieval.evaluation.RetrievalMetrics;
import tools.jackson.databind.json.JsonMapper;

/**
 * /search latency against the same work done without the service: the query embedded in-process and the same SQL
 * ({@link SearchQueries}) over one plain JDBC connection, alternating query by query in one run (100 queries after
 * 20 to warm up).
 */
public final class LatencyBench {

    private final ConfigurableApplicationContext app;
    private final Consumer<Map<String, Object>> http;
    private final String dbUrl;

    public LatencyBench(ConfigurableApplicationContext app, Consumer<Map<String, Object>> http, String dbUrl) {
        this.app = app;
        this.http = http;
        this.dbUrl = dbUrl;
    }

    public Map<String, Object> run(String sourceCollection, int size, List<String> queries) {
        JdbcClient jdbc = app.getBean(JdbcClient.class);
        String collection = "latency-" + (size / 1000) + "k";
        long start = System.nanoTime();
        app.getBean(TransactionTemplate.class).executeWithoutResult(tx -> fill(jdbc, sourceCollection, collection, size));
        long collectionId = jdbc.sql("SELECT id FROM collections WHERE name = :n").param("n", collection)
                .query(Long.class).single();
        try {
            // the collection's own HNSW index, built in bulk as Lore builds it after a load
            app.getBean(VectorIndexes.class).ensure(collectionId);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        // ensure() analysed collection_id only; the lexical statement's plan also wants the full-text statistics
        jdbc.sql("ANALYZE chunks").update();
        double fillSeconds = (System.nanoTime() - start) / 1e9;

        Embedder embedder = app.getBean(Embedder.class);
        RetrievalProperties properties = app.getBean(RetrievalProperties.class);
        try (SingleConnectionDataSource raw = new SingleConnectionDataSource(dbUrl, "lore", "lore", true)) {
            // the session settings Lore's own pool gives every connection, so both sides run the same plans
            try (Statement init = raw.getConnection().createStatement()) {
                init.execute(app.getEnvironment().getRequiredProperty("spring.datasource.hikari.connection-init-sql"));
            }
            catch (SQLException e) {
                throw new IllegalStateException("Cannot apply Lore's connection settings", e);
            }
            JdbcClient plain = JdbcClient.create(raw);
            SearchQueries sql = new SearchQueries(plain, app.getBean(JsonMapper.class),
                    new TransactionTemplate(new JdbcTransactionManager(raw)));
            var lexicalSql = new dev.lore.retrieval.lexical.SqlLexicalSearch(plain, app.getBean(JsonMapper.class));
            int warmup = Math.min(20, queries.size());
            int measured = Math.min(queries.size(), 100);
            long[] httpNanos = new long[measured];
            long[] jdbcNanos = new long[measured];
            for (int i = -warmup; i < measured; i++) {
                String query = queries.get(Math.floorMod(i, queries.size()));
                long t = System.nanoTime();
                http.accept(Map.of("collection", collection, "query", query, "mode", "hybrid", "topK", 10));
                long httpTime = System.nanoTime() - t;
                t = System.nanoTime();
                float[] vector = embedder.embedQuery(query);
                var dense = sql.dense(new dev.lore.documents.CollectionRef(collectionId, collection, embedder.name(),
                        embedder.dimension(), dev.lore.documents.DenseSearch.FULL), vector, SearchFilter.NONE,
                        properties.candidates(), properties.candidates()).candidates();
                var lexical = lexicalSql.search(collectionId, query, SearchFilter.NONE, properties.candidates())
                        .stream().map(hit -> new SearchQueries.Candidate(hit.chunkId(), hit.score())).toList();
                var fused = ReciprocalRankFusion.fuse(properties.rrfK(), List.of(dense, lexical));
                List<UUID> top = new ArrayList<>();
                fused.stream().limit(10).forEach(c -> top.add(c.chunkId()));
                sql.rows(top);
                long jdbcTime = System.nanoTime() - t;
                if (i >= 0) {
                    httpNanos[i] = httpTime;
                    jdbcNanos[i] = jdbcTime;
                }
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("chunks", size);
            row.put("queries", measured);
            row.put("fillSeconds", Math.round(fillSeconds));
            row.put("httpP50Ms", RetrievalMetrics.round(RetrievalMetrics.percentile(httpNanos, 50)));
            row.put("httpP99Ms", RetrievalMetrics.round(RetrievalMetrics.percentile(httpNanos, 99)));
            row.put("jdbcP50Ms", RetrievalMetrics.round(RetrievalMetrics.percentile(jdbcNanos, 50)));
            row.put("jdbcP99Ms", RetrievalMetrics.round(RetrievalMetrics.percentile(jdbcNanos, 99)));
            row.put("p50Ratio", RetrievalMetrics.round(RetrievalMetrics.percentile(httpNanos, 50) / RetrievalMetrics.percentile(jdbcNanos, 50)));
            System.out.println("latency " + row);
            return row;
        }
    }

    /** A collection of {@code size} chunks: the source's real chunks, repeated with slightly perturbed vectors. */
    private static void fill(JdbcClient jdbc, String source, String target, int size) {
        jdbc.sql("DELETE FROM collections WHERE name = :n").param("n", target).update();
        jdbc.sql("""
                INSERT INTO collections (name, description, embedder, dimension, created_at)
                SELECT :target, 'latency benchmark', embedder, dimension, now() FROM collections WHERE name = :source""")
                .param("target", target).param("source", source).update();
        long sourceChunks = jdbc.sql("""
                SELECT count(*) FROM chunks k JOIN collections c ON c.id = k.collection_id WHERE c.name = :n""")
                .param("n", source).query(Long.class).single();
        long rounds = (size + sourceChunks - 1) / sourceChunks;
        jdbc.sql("""
                CREATE TEMP TABLE copies ON COMMIT DROP AS
                SELECT d.id AS old, gen_random_uuid() AS new, r AS round
                FROM documents d JOIN collections c ON c.id = d.collection_id, generate_series(1, :rounds) r
                WHERE c.name = :source""").param("rounds", rounds).param("source", source).update();
        jdbc.sql("""
                INSERT INTO documents (id, collection_id, source, title, sha256, media_type, metadata, chunks, created_at)
                SELECT m.new, t.id, d.source || '#' || m.round, d.title, md5(m.new::text), d.media_type, d.metadata,
                       d.chunks, now()
                FROM copies m JOIN documents d ON d.id = m.old, collections t WHERE t.name = :target""")
                .param("target", target).update();
        jdbc.sql("""
                INSERT INTO chunks (id, document_id, collection_id, ordinal, source, title, heading_path, text,
                                    embedding)
                SELECT gen_random_uuid(), m.new, t.id, k.ordinal, k.source || '#' || m.round, k.title, k.heading_path,
                       k.text,
                       k.embedding + (SELECT array_agg((random() - 0.5) * 0.02)::vector(384)
                                      FROM generate_series(1, 384 + 0 * k.ordinal))
                FROM copies m JOIN chunks k ON k.document_id = m.old, collections t
                WHERE t.name = :target
                LIMIT :size""").param("target", target).param("size", size).update();
    }
}
