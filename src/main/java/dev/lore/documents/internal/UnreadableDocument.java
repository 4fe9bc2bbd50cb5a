package dev.lore.documents.internal;

/** A document whose bytes cannot be turned into text; the message is meant for the person who uploaded it. */
public class UnreadableDocument extends Exception {

    public UnreadableDocument(String message, Throwable cause) {
        super(message, cause);
    }

    public UnreadableDocument(String message) {
        super(message);
    }
}
