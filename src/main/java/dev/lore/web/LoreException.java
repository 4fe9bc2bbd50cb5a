package dev.lore.web;

import org.springframework.http.HttpStatus;

/**
 * A failure a client can act on, rendered once as an RFC 9457 problem with a stable {@code type}.
 */
public class LoreException extends RuntimeException {

    private final HttpStatus status;
    private final String type;
    private final String title;

    protected LoreException(HttpStatus status, String type, String title, String detail) {
        super(detail);
        this.status = status;
        this.type = type;
        this.title = title;
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
}
