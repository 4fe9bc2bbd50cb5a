package dev.lore.documents;

/**
 * Which engine answers a collection's dense search in this instance, for the collection's view. The retrieval
 * module, which owns dense search, decides; without it, PostgreSQL does.
 */
public interface DenseEngine {

    /**
     * {@code postgres}, or {@code opensearch} where the collection's OpenSearch index answers dense search once it is
     * current and holds the collection's vectors (PostgreSQL answers until then, and for the two-stage modes).
     */
    String of(DenseSearch search, int dimension);
}
