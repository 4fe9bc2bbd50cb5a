package dev.lore.documents;

import org.springframework.http.HttpStatus;

import dev.lore.web.LoreException;

/** A collection that does not exist, or that the caller's key may not see: the two look the same. */
public final class CollectionNotFound extends LoreException {

    private CollectionNotFound(String name) {
        super(HttpStatus.NOT_FOUND, "collection-not-found", "Collection not found",
                "No collection named '" + name + "'");
    }

    public static CollectionNotFound named(String name) {
        return new CollectionNotFound(name);
    }
}
