package dev.lore.documents;

/** A collection as other modules see it: its identity and the embedder its vectors came from. */
public record CollectionRef(long id, String name, String embedder, int dimension) {
}
