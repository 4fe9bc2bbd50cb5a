package dev.lore.retrieval;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import com.pgvector.PGvector;

import dev.lore.documents.CollectionRef;
import dev.lore.documents.DenseSearch;
import dev.lore.retrieval.lexical.SqlFilter;
import dev.lore.web.ReadReplica;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * The SQL of search, kept in one visible place. Dense search orders by pgvector's cosine distance so that the
 * collection's own partial HNSW index serves it once it has one (see {@code VectorIndexes}), and scans the
 * collection's vectors exactly before; a collection searched in two stages ({@code binary},
 * {@code matryoshka:<dims>}) orders by the smaller index's distance for N rows and re-scores those by cosine; with a filter, the connection's {@code hnsw.iterative_scan} keeps scanning
 * the graph until enough rows pass. Lexical search is behind {@link dev.lore.retrieval.lexical.LexicalSearch}.
 */
@Component
class SearchQueries {

    record Candidate(UUID chunkId, double score) {
    }

    record Row(UUID chunkId, UUID documentId, String source, String title, String headingPath, String text,
            Map<String, Object> metadata) {
    }

    static final String POSTGRES = "postgres";

    /** pgvector's largest {@code hnsw.ef_search}. */
    static final int MAX_EF_SEARCH = 1000;

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final TransactionTemplate transactions;

    /** Searches read from the replica where one is configured (see {@link ReadReplica}). */
    @Autowired
    SearchQueries(ReadReplica reads, JsonMapper json) {
        this(reads.jdbc(), json, reads.transactions());
    }

    SearchQueries(JdbcClient jdbc, JsonMapper json, TransactionTemplate transactions) {
        this.jdbc = jdbc;
        this.json = json;
        this.transactions = transactions;
    }

    /**
     * A dense search's outcome: the candidates by cosine similarity to the whole query vector and, for a two-stage
     * search, how many rows its first stage passed on, the {@code hnsw.ef_search} it ran with, and where each
     * candidate ranked there; {@code engine}, which engine answered ({@code postgres} or {@code opensearch}).
     */
    record Dense(List<Candidate> candidates, DenseSearch search, int firstStageLimit, int firstStageRows,
            int firstStageEfSearch, Map<UUID, FirstStage> firstStage, String engine) {
    }

    /** A candidate's place in the first stage: its rank and its distance there (Hamming, or the prefix's cosine). */
    record FirstStage(int rank, double distance) {
    }

    Dense dense(CollectionRef collection, float[] query, SearchFilter filter, int limit, int defaultCandidates) {
        SqlFilter where = filter(filter);
        DenseSearch search = collection.denseSearch();
        int dimension = collection.dimension();
        if (query.length != dimension) {
            throw new IllegalStateException("A " + query.length + "-dimensional query for collection '"
                    + collection.name() + "' of " + dimension + " dimensions");
        }
        // the collection id is written into the statement, not bound: only then can the planner prove that the
        // partial index "WHERE collection_id = <id>" covers the query (a generic plan with a parameter cannot); the
        // ordering is the index's own expression (see DenseSearch), or the planner cannot use the index
        if (!search.twoStage()) {
            List<Candidate> candidates = new ArrayList<>(jdbc.sql("""
                    SELECT id, %s AS distance FROM chunks
                    WHERE collection_id = %d %s
                    ORDER BY distance LIMIT :limit""".formatted(search.firstStageDistance("embedding", ":query",
                    dimension), collection.id(), where.sql()))
                    .params(where.params()).param("query", new PGvector(query))
                    .param("limit", limit)
                    .query((rs, n) -> new Candidate(rs.getObject(1, UUID.class), 1.0 - rs.getDouble(2)))
                    .list());
            // iterative index scans may return rows slightly out of order ("relaxed_order")
            candidates.sort((a, b) -> Double.compare(b.score(), a.score()));
            return new Dense(candidates, search, 0, 0, 0, Map.of(), POSTGRES);
        }
        // Two stages in one statement: the small index (binary or prefix) finds the first stage's rows, which are
        // then re-scored by the cosine distance of their whole vectors; the first stage's rank and distance come
        // along for the explain trace
        int firstStage = search.candidates(defaultCandidates, limit);
        return transactions.execute(status -> {
            // ef_search is the graph walk's list of best rows so far: a first stage of N rows walked with a shorter
            // list gets the rest from pgvector's iterative rescans, slower and further from the true N best than one
            // walk with N (bench/dense-two-stage.sh); never below the connection's own setting (pgvector's 40 where
            // nothing set one and the extension is not loaded yet), and only for this transaction
            int efSearch = jdbc.sql("""
                    SELECT set_config('hnsw.ef_search',
                                      greatest(coalesce(current_setting('hnsw.ef_search', true), '40')::int,
                                               least(:n, :max))::text,
                                      true)::int""")
                    .param("n", firstStage).param("max", MAX_EF_SEARCH).query(Integer.class).single();
            Map<UUID, FirstStage> ranks = new java.util.HashMap<>();
            int[] rows = { 0 };
            List<Candidate> candidates = new ArrayList<>(jdbc.sql("""
                    SELECT id, embedding <=> :query AS distance, first_distance,
                           row_number() OVER (ORDER BY first_distance) AS first_rank, count(*) OVER () AS first_rows
                    FROM (SELECT id, embedding, %s AS first_distance FROM chunks
                          WHERE collection_id = %d %s
                          ORDER BY first_distance LIMIT :firstStage) first_stage
                    ORDER BY distance LIMIT :limit""".formatted(search.firstStageDistance("embedding", ":query",
                    dimension), collection.id(), where.sql()))
                    .params(where.params()).param("query", new PGvector(query))
                    .param("firstStage", firstStage).param("limit", limit)
                    .query((rs, n) -> {
                        UUID id = rs.getObject(1, UUID.class);
                        ranks.put(id, new FirstStage(rs.getInt(4), rs.getDouble(3)));
                        rows[0] = rs.getInt(5);
                        return new Candidate(id, 1.0 - rs.getDouble(2));
                    })
                    .list());
            return new Dense(candidates, search, firstStage, rows[0], efSearch, ranks, POSTGRES);
        });
    }

    List<Row> rows(List<UUID> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return jdbc.sql("""
                SELECT k.id, k.document_id, k.source, k.title, k.heading_path, k.text, d.metadata::text
                FROM chunks k JOIN documents d ON d.id = k.document_id WHERE k.id = ANY(:ids)""")
                .param("ids", ids.toArray(UUID[]::new))
                .query((rs, n) -> new Row(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getString(6), json.readValue(rs.getString(7),
                                new TypeReference<Map<String, Object>>() {
                                })))
                .list();
    }

    /** A chunk near a hit in the hit's document: {@code offset} chunks after it (negative: before). */
    record Neighbour(UUID hitId, UUID chunkId, int offset, String text) {
    }

    /** The chunks within {@code radius} of each hit in its document, the hit included, in document order. */
    List<Neighbour> neighbours(List<UUID> ids, int radius) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return jdbc.sql("""
                SELECT c.id, n.id, n.ordinal - c.ordinal, n.text
                FROM chunks c JOIN chunks n ON n.document_id = c.document_id
                     AND n.ordinal BETWEEN c.ordinal - :radius AND c.ordinal + :radius
                WHERE c.id = ANY(:ids) ORDER BY c.id, n.ordinal""")
                .param("ids", ids.toArray(UUID[]::new)).param("radius", radius)
                .query((rs, n) -> new Neighbour(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class),
                        rs.getInt(3), rs.getString(4)))
                .list();
    }

    private SqlFilter filter(SearchFilter filter) {
        return SqlFilter.of(filter, json);
    }
}
