package dev.lore.documents;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.annotation.PreDestroy;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Component;

import dev.lore.documents.internal.DocumentFormat;
import dev.lore.documents.internal.DocumentParser;
import dev.lore.documents.internal.ParseLimits;
import dev.lore.documents.internal.ParsedDocument;
import dev.lore.documents.internal.UnreadableDocument;

/**
 * Parses one document at a time in isolation: on a thread of its own, within a time budget and a cap on extracted
 * text, with zip archives (DOCX) checked for bombs, and with every {@link Throwable} of the parser (a
 * {@code StackOverflowError} from a page tree nested 100,000 levels deep, an {@code OutOfMemoryError}) turned into a
 * readable {@link UnreadableDocument}, so that one hostile upload fails alone and the worker goes on.
 * <p>
 * A parse that ignores both its deadline checks and interruption is abandoned on its thread (Java cannot stop a
 * thread); the pool makes a new thread for the next document, and the count of abandoned parses is logged.
 */
@Component
class DocumentParsing {

    private static final Logger log = LoggerFactory.getLogger(DocumentParsing.class);

    private final DocumentParser parser;
    private final ParseLimits limits;
    private final ExecutorService threads = Executors.newCachedThreadPool(
            new CustomizableThreadFactory("document-parse-"));
    private final AtomicInteger abandoned = new AtomicInteger();

    DocumentParsing(DocumentParser parser, DocumentsProperties properties) {
        this.parser = parser;
        this.limits = new ParseLimits(properties.maxExtractedCharacters(), properties.parseTimeout());
        // JVM-wide settings; Lore is the only user of POI in its process
        DocumentParser.limitZipArchives(properties.zipMinInflateRatio(), properties.zipMaxEntrySize().toBytes());
    }

    ParsedDocument parse(byte[] bytes, DocumentFormat format, String fallbackTitle)
            throws UnreadableDocument, InterruptedException {
        Future<ParsedDocument> parse = threads.submit(() -> {
            try {
                return parser.parse(bytes, format, fallbackTitle, limits);
            }
            catch (StackOverflowError e) {
                throw new UnreadableDocument("The document is nested too deeply to read"
                        + " (its structure overflowed the parser's stack).", e);
            }
            catch (OutOfMemoryError e) {
                throw new UnreadableDocument("The document needs more memory to read than this service has.", e);
            }
        });
        try {
            // a second of grace: the parser's own deadline checks normally end it first, with a precise message
            return parse.get(limits.timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        }
        catch (TimeoutException e) {
            parse.cancel(true);
            log.warn("A {} parse ran past {} and was abandoned on its thread ({} abandoned so far)", format,
                    limits.timeout(), abandoned.incrementAndGet());
            throw new UnreadableDocument("Parsing took longer than the time allowed for one document"
                    + " (lore.documents.parse-timeout).");
        }
        catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UnreadableDocument unreadable) {
                throw unreadable;
            }
            log.warn("Parsing a {} failed", format, cause);
            throw new UnreadableDocument("Could not parse the document: " + describe(cause), cause);
        }
        catch (InterruptedException e) {
            parse.cancel(true);
            throw e;
        }
    }

    @PreDestroy
    void stop() {
        threads.shutdownNow();
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + (message.length() > 200
                ? message.substring(0, 200) + "..." : message));
    }
}
