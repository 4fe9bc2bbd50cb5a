package dev.lore.retrieval.dense;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Which engine answers dense search: {@code postgres} (pgvector, the default) or {@code opensearch} (the k-NN plugin,
 * in the collection's OpenSearch index beside its text; needs the OpenSearch lexical engine, whose feed applier
 * writes the vectors). {@code efSearch} is the OpenSearch graph walk's list of best chunks so far, as
 * {@code hnsw.ef_search} (100, set on every connection) is pgvector's.
 */
@ConfigurationProperties("lore.retrieval.dense")
@Validated
public record DenseProperties(
        @DefaultValue("postgres") Engine engine,
        @DefaultValue("100") @Min(1) @Max(10_000) int efSearch) {

    public enum Engine {
        /** pgvector in PostgreSQL, always. */
        POSTGRES,
        /**
         * The collection's OpenSearch index where the k-NN plugin is there, the collection is searched {@code full}
         * and the index holds every committed change and the collection's current vectors; PostgreSQL otherwise.
         */
        OPENSEARCH
    }
}
