package dev.lore.models;

import java.time.Duration;

import org.springframework.http.HttpStatus;

import dev.lore.web.LoreException;

/** A model backend that is not configured, down, overloaded or failing: the client gets a 503, never a hang. */
public final class ModelUnavailable extends LoreException {

    private ModelUnavailable(String type, String title, String detail, Duration retryAfter, Throwable cause) {
        super(HttpStatus.SERVICE_UNAVAILABLE, type, title, detail, retryAfter, cause);
    }

    public static ModelUnavailable down(String backend, Throwable cause) {
        return new ModelUnavailable("model-unavailable", "Model backend unavailable",
                "The model backend '" + backend + "' is not answering: " + describe(cause), Duration.ofSeconds(5),
                cause);
    }

    public static ModelUnavailable busy(String backend, Duration retryAfter) {
        return new ModelUnavailable("model-busy", "Model backend busy",
                "The model backend '" + backend + "' is at capacity; try again later", retryAfter, null);
    }

    public static ModelUnavailable circuitOpen(String backend, Duration retryAfter) {
        return new ModelUnavailable("model-unavailable", "Model backend unavailable",
                "The model backend '" + backend + "' failed repeatedly and is paused", retryAfter, null);
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "no answer";
        }
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
    }
}
