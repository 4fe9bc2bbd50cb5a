package dev.lore.answers.openai;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import dev.lore.web.LoreException;

/**
 * Writes the facade's failures in OpenAI's shape {@code {"error":{"message","type","param","code"}}} with the HTTP
 * status, which OpenAI's clients turn into their own exceptions; problem+json would reach them as gibberish.
 */
@RestControllerAdvice(assignableTypes = CompletionsController.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class OpenAiErrors {

    private static final Logger log = LoggerFactory.getLogger(OpenAiErrors.class);

    @ExceptionHandler(LoreException.class)
    ResponseEntity<Map<String, Object>> lore(LoreException e) {
        ResponseEntity.BodyBuilder response = ResponseEntity.status(e.status()).contentType(MediaType.APPLICATION_JSON);
        if (e.retryAfter() != null) {
            response.header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, e.retryAfter().toSeconds())));
        }
        return response.body(body(e));
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException e) {
        return ResponseEntity.badRequest().contentType(MediaType.APPLICATION_JSON).body(error(HttpStatus.BAD_REQUEST,
                "The body is not a chat completion request: " + e.getMostSpecificCause().getMessage(), null,
                "malformed-body"));
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Map<String, Object>> other(Exception e) {
        if (e instanceof ErrorResponse spring) {
            HttpStatusCode status = spring.getStatusCode();
            return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(error(status,
                    e.getMessage(), null, "invalid-request"));
        }
        String id = UUID.randomUUID().toString();
        log.error("Unexpected failure {} of a chat completion", id, e);
        return ResponseEntity.internalServerError().contentType(MediaType.APPLICATION_JSON).body(error(
                HttpStatus.INTERNAL_SERVER_ERROR, "An unexpected error occurred; it has been logged as " + id + ".",
                null, "internal"));
    }

    static Map<String, Object> body(LoreException e) {
        return error(e.status(), e.getMessage(), e instanceof CompletionRejected rejected ? rejected.param() : null,
                e.type());
    }

    private static Map<String, Object> error(HttpStatusCode status, String message, String param, String type) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", switch (status.value()) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 429 -> "rate_limit_error";
            default -> status.is4xxClientError() ? "invalid_request_error" : "server_error";
        });
        error.put("param", param);
        error.put("code", type.replace('-', '_'));
        return Map.of("error", error);
    }
}
