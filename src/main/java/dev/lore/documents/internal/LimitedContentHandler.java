package dev.lore.documents.internal;

import java.time.Clock;
import java.time.Instant;

import org.apache.tika.sax.ContentHandlerDecorator;
import org.xml.sax.Attributes;
import org.xml.sax.ContentHandler;
import org.xml.sax.SAXException;

/**
 * Stops a Tika parse from inside once its text passes the character limit or its time is up. Tika's own
 * {@code WriteOutContentHandler} only counts characters; checking the deadline on every SAX event as well lets a
 * parse that keeps emitting pages (or empty elements) end on time, on its own thread, instead of being abandoned.
 */
final class LimitedContentHandler extends ContentHandlerDecorator {

    /** Thrown through Tika when a limit is passed; its message is meant for the uploader. */
    static final class LimitExceeded extends SAXException {

        LimitExceeded(String message) {
            super(message);
        }
    }

    private final long maxCharacters;
    private final Instant deadline;
    private final Clock clock;
    private long characters;
    private LimitExceeded exceeded;

    LimitedContentHandler(ContentHandler handler, long maxCharacters, Instant deadline, Clock clock) {
        super(handler);
        this.maxCharacters = maxCharacters;
        this.deadline = deadline;
        this.clock = clock;
    }

    @Override
    public void startElement(String uri, String localName, String name, Attributes atts) throws SAXException {
        checkTime();
        super.startElement(uri, localName, name, atts);
    }

    @Override
    public void characters(char[] ch, int start, int length) throws SAXException {
        characters += length;
        if (characters > maxCharacters) {
            throw exceeded(tooMuchText(maxCharacters));
        }
        checkTime();
        super.characters(ch, start, length);
    }

    private void checkTime() throws LimitExceeded {
        if (Thread.currentThread().isInterrupted() || clock.instant().isAfter(deadline)) {
            throw exceeded("Parsing took longer than the time allowed for one document"
                    + " (lore.documents.parse-timeout).");
        }
    }

    private LimitExceeded exceeded(String message) {
        exceeded = new LimitExceeded(message);
        return exceeded;
    }

    /** The limit this handler stopped the parse for, if any: parsers do not always pass the exception on whole. */
    LimitExceeded exceeded() {
        return exceeded;
    }

    static String tooMuchText(long maxCharacters) {
        return "The document's text is longer than " + maxCharacters
                + " characters (lore.documents.max-extracted-characters).";
    }
}
