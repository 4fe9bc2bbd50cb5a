package dev.lore.documents;

import java.util.UUID;

/** Published when uploaded documents are queued for ingestion. */
public record IngestionSubmitted(UUID ingestionId, String collection, int documents) {
}
