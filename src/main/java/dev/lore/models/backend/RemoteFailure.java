package dev.lore.models.backend;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * One failed attempt at a remote model call, classified so that {@link Resilience} knows whether to retry it and how
 * to report it.
 */
public final class RemoteFailure extends RuntimeException {

    /** What went wrong. */
    public enum Kind {
        /** No answer, a timeout, a 5xx or 408: worth retrying, and counted by the circuit breaker. */
        UNAVAILABLE,
        /** 429: worth retrying after a wait, not a sign the backend is broken. */
        RATE_LIMITED,
        /** A 4xx other than 408 and 429: the request itself is wrong, retrying cannot help. */
        REJECTED,
        /** An answer Lore cannot read. */
        MALFORMED
    }

    private final Kind kind;
    private final Duration retryAfter;
    private final boolean retryable;

    private RemoteFailure(Kind kind, String message, Duration retryAfter, boolean retryable, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.retryAfter = retryAfter;
        this.retryable = retryable;
    }

    /** Classifies an HTTP error status; {@code retryAfter} is the raw header value or {@code null}. */
    public static RemoteFailure status(int status, String retryAfter, String message, Throwable cause) {
        // SDK exceptions often start their message with the status already ("503: overloaded")
        String detail = message == null ? "" : message.strip().replaceFirst("^" + status + ":\\s*", "");
        String text = "HTTP " + status + (detail.isBlank() ? "" : ": " + abbreviate(detail));
        Duration wait = parseRetryAfter(retryAfter);
        if (status == 429) {
            return new RemoteFailure(Kind.RATE_LIMITED, text, wait, true, cause);
        }
        if (status == 408 || status >= 500) {
            return new RemoteFailure(Kind.UNAVAILABLE, text, wait, true, cause);
        }
        return new RemoteFailure(Kind.REJECTED, text, null, false, cause);
    }

    public static RemoteFailure unavailable(String message, Throwable cause) {
        return new RemoteFailure(Kind.UNAVAILABLE, message, null, true, cause);
    }

    public static RemoteFailure malformed(String message, Throwable cause) {
        return new RemoteFailure(Kind.MALFORMED, message, null, false, cause);
    }

    /** The same failure, not to be retried: a stream that already handed text to its caller cannot start over. */
    public RemoteFailure asFinal() {
        return retryable ? new RemoteFailure(kind, getMessage(), retryAfter, false, getCause()) : this;
    }

    public Kind kind() {
        return kind;
    }

    /** The wait the server asked for, or {@code null}. */
    public Duration retryAfter() {
        return retryAfter;
    }

    public boolean retryable() {
        return retryable;
    }

    static Duration parseRetryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.trim();
        try {
            double seconds = Double.parseDouble(trimmed);
            return seconds < 0 ? null : Duration.ofMillis((long) (seconds * 1000));
        }
        catch (NumberFormatException notSeconds) {
            try {
                Duration until = Duration.between(ZonedDateTime.now(),
                        ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME));
                return until.isNegative() ? Duration.ZERO : until;
            }
            catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }

    private static String abbreviate(String message) {
        String flat = message.replaceAll("\\s+", " ").trim();
        return flat.length() <= 300 ? flat : flat.substring(0, 300) + "…";
    }
}
