package dev.lore.documents;

import java.time.Duration;

import org.springframework.http.HttpStatus;

import dev.lore.web.LoreException;

/** A collection whose lock another request held for longer than a request may wait: try again shortly. */
final class CollectionBusy extends LoreException {

    private CollectionBusy(String name, Duration waited, Throwable cause) {
        super(HttpStatus.SERVICE_UNAVAILABLE, "collection-busy", "Collection busy", "Collection '" + name
                + "' is being changed by another request; waited " + waited.toMillis() + " ms, try again shortly",
                Duration.ofSeconds(2), cause);
    }

    static CollectionBusy named(String name, Duration waited, Throwable cause) {
        return new CollectionBusy(name, waited, cause);
    }
}
