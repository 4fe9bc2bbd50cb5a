package dev.lore.documents;

import java.util.List;

import org.springframework.stereotype.Component;

import dev.lore.documents.internal.Chunk;
import dev.lore.documents.internal.Chunker;
import dev.lore.documents.internal.DocumentFormat;
import dev.lore.documents.internal.ParsedDocument;
import dev.lore.documents.internal.StoredChunks;
import dev.lore.documents.internal.UnreadableDocument;
import dev.lore.models.Embedder;

/**
 * How a document becomes chunks: parsed in isolation ({@link DocumentParsing}), titled, then cut to the embedder's
 * size. Ingestion and rechunking both go through here, so a rebuilt collection is chunked exactly as a new upload.
 */
@Component
class DocumentChunking {

    private final DocumentParsing parsing;
    private final Chunker chunker;

    DocumentChunking(DocumentParsing parsing, Embedder embedder, DocumentsProperties properties) {
        this.parsing = parsing;
        this.chunker = new Chunker(properties.chunkTokens(), properties.chunkOverlapTokens(), embedder::tokenStarts);
    }

    /** Parses a document's bytes; {@code title}, when given, wins over the one the document holds. */
    ParsedDocument parse(byte[] bytes, String mediaType, String source, String title)
            throws UnreadableDocument, InterruptedException {
        ParsedDocument document = parsing.parse(bytes, DocumentFormat.ofMediaType(mediaType), titleFromSource(source));
        return title == null ? document : new ParsedDocument(title, document.sections(), document.metadata());
    }

    /**
     * A document stored before its original was kept, read back from its chunks' text as plain text would be (see
     * {@link StoredChunks}); empty when nothing is left to rebuild from.
     */
    ParsedDocument fromChunkText(String title, List<StoredChunks.Stored> chunks) {
        return StoredChunks.reassemble(title, chunks);
    }

    List<Chunk> chunk(ParsedDocument document) {
        return chunker.chunk(document);
    }

    static String titleFromSource(String source) {
        String name = source.substring(source.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
