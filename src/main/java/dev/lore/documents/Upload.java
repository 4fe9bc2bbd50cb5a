package dev.lore.documents;

import java.util.Map;

import dev.lore.documents.internal.DocumentFormat;

/** One document as received, before anything is stored. */
record Upload(String source, String title, DocumentFormat format, byte[] bytes, Map<String, Object> metadata) {
}
