package dev.lore.retrieval.lexical;

import java.util.List;
import java.util.UUID;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import dev.lore.retrieval.SearchFilter;
import dev.lore.web.ReadReplica;

import tools.jackson.databind.json.JsonMapper;

/**
 * Lexical search in PostgreSQL: Okapi BM25 over its English full-text vectors. {@code ts_rank} has no inverse
 * document frequency and ranks far below BM25 (SciFact nDCG@10 0.39 against 0.66), so the chunks that match any
 * query word (GIN index) are scored here with each word's document frequency in the collection (counted from those
 * same chunks, before any filter, so filters do not change a word's weight), its count in the chunk, and the
 * chunk's length relative to the collection's average (kept in {@code collections} by triggers). Always correct,
 * as it reads the rows themselves; it scores every chunk that holds a query word, so it slows with the collection
 * (the Lucene engine answers in its place where it is on and caught up).
 */
@Component
public class SqlLexicalSearch implements LexicalSearch {

    public static final double BM25_K1 = 1.2;
    public static final double BM25_B = 0.75;

    private final JdbcClient jdbc;
    private final JsonMapper json;

    /** Reads from the replica where one is configured (see {@link ReadReplica}). */
    @Autowired
    public SqlLexicalSearch(ReadReplica reads, JsonMapper json) {
        this(reads.jdbc(), json);
    }

    public SqlLexicalSearch(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    @Override
    public List<LexicalHit> search(long collectionId, String query, SearchFilter filter, int limit) {
        SqlFilter where = SqlFilter.of(filter, json);
        // Term frequencies come from each matching chunk's tsvector cut down to the query's words before it is
        // unnested: every position is marked A, the query words' positions D, and ts_filter keeps the D ones, all
        // in C over the vector. Unnesting the whole vector (about a hundred lexemes a chunk, each a row with its
        // arrays) took most of the statement's time (the README's benchmarks give the numbers).
        return jdbc.sql("""
                WITH q AS (
                    SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', :text))),
                stats AS (
                    SELECT greatest(chunk_count, 1)::float8 AS n,
                           greatest(lexeme_total::float8 / greatest(chunk_count, 1), 1) AS avgdl
                    FROM collections WHERE id = :collection),
                matching AS (
                    SELECT k.id, k.tsv, k.tsv_length, (true %s) AS wanted FROM chunks k
                    WHERE k.collection_id = :collection
                      AND k.tsv @@ (SELECT to_tsquery('simple', string_agg(quote_literal(lexeme), ' | ')) FROM q)),
                hits AS MATERIALIZED (
                    SELECT m.id, m.wanted, m.tsv_length, u.lexeme, cardinality(u.positions) AS tf
                    FROM matching m, unnest(ts_filter(setweight(setweight(m.tsv, 'A'), 'D',
                                                                ARRAY(SELECT lexeme FROM q)), '{d}')) u),
                terms AS (
                    SELECT h.lexeme, ln(1 + (stats.n - count(*) + 0.5) / (count(*) + 0.5)) AS idf
                    FROM hits h, stats GROUP BY h.lexeme, stats.n)
                SELECT h.id, sum(t.idf * h.tf * (:k1 + 1)
                                 / (h.tf + :k1 * (1 - :b + :b * h.tsv_length / stats.avgdl))) AS bm25
                FROM hits h JOIN terms t ON t.lexeme = h.lexeme, stats
                WHERE h.wanted
                GROUP BY h.id ORDER BY bm25 DESC, h.id LIMIT :limit""".formatted(where.sql()))
                .params(where.params()).param("collection", collectionId).param("text", query)
                .param("k1", BM25_K1).param("b", BM25_B).param("limit", limit)
                .query((rs, n) -> new LexicalHit(rs.getObject(1, UUID.class), rs.getDouble(2)))
                .list();
    }
}
