package dev.lore.answers.openai;

import java.util.Map;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

import dev.lore.web.FacadeErrors;
import dev.lore.web.LoreException;

/**
 * Writes the facade's refusals in OpenAI's shape {@code {"error":{"message","type","param","code"}}} naming the
 * {@code param} at fault; every other error under {@code /v1} takes the same shape in {@code web.FacadeErrorAdvice}.
 */
@RestControllerAdvice(assignableTypes = CompletionsController.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class OpenAiErrors {

    @ExceptionHandler(LoreException.class)
    ResponseEntity<Map<String, Object>> lore(LoreException e) {
        ResponseEntity.BodyBuilder response = ResponseEntity.status(e.status()).contentType(MediaType.APPLICATION_JSON);
        if (e.retryAfter() != null) {
            response.header(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, e.retryAfter().toSeconds())));
        }
        return response.body(body(e));
    }

    static Map<String, Object> body(LoreException e) {
        return FacadeErrors.body(e.status().value(), e.getMessage(),
                e instanceof CompletionRejected rejected ? rejected.param() : null, e.type());
    }
}
