package dev.lore.web;

import java.time.Duration;

import org.springframework.http.HttpStatus;

/**
 * A failure a client can act on, rendered once as an RFC 9457 problem with a stable {@code type}.
 */
public class LoreException extends RuntimeException {

    private final HttpStatus status;
    private final String type;
    private final String title;
    private final Duration retryAfter;

    protected LoreException(HttpStatus status, String type, String title, String detail) {
        this(status, type, title, detail, null, null);
    }

    protected LoreException(HttpStatus status, String type, String title, String detail,
            Duration retryAfter, Throwable cause) {
        super(detail, cause);
        this.status = status;
        this.type = type;
        this.title = title;
        this.retryAfter = retryAfter;
    }

    public static LoreException badRequest(String type, String title, String detail) {
        return new LoreException(HttpStatus.BAD_REQUEST, type, title, detail);
    }

    public static LoreException invalid(String detail) {
        return badRequest("invalid-request", "Invalid request", detail);
    }

    public static LoreException notFound(String type, String title, String detail) {
        return new LoreException(HttpStatus.NOT_FOUND, type, title, detail);
    }

    public static LoreException conflict(String type, String title, String detail) {
        return new LoreException(HttpStatus.CONFLICT, type, title, detail);
    }

    public static LoreException unavailable(String type, String title, String detail, Duration retryAfter) {
        return new LoreException(HttpStatus.SERVICE_UNAVAILABLE, type, title, detail, retryAfter, null);
    }

    public static LoreException forbidden(String detail) {
        return new LoreException(HttpStatus.FORBIDDEN, "forbidden", "Forbidden", detail);
    }

    public static LoreException tooLarge(String detail) {
        return new LoreException(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Payload too large", detail);
    }

    public static LoreException unsupportedMediaType(String detail) {
        return new LoreException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type",
                "Unsupported media type", detail);
    }

    public HttpStatus status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String title() {
        return title;
    }

    /** How long a client should wait before trying again (sent as {@code Retry-After}), or {@code null}. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
