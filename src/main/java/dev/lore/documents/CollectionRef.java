package dev.lore.documents;

/**
 * A collection as other modules see it: its identity, the embedder its vectors came from (and their dimension), and
 * how its dense search runs.
 */
public record CollectionRef(long id, String name, String embedder, int dimension, DenseSearch denseSearch) {
}
