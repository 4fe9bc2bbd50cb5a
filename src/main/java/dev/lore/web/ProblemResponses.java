package dev.lore.web;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a problem straight onto a servlet response, for the places that answer before or beside Spring MVC's
 * exception handling (filters, an exception resolver); {@code /v1/**} gets OpenAI's error shape, as its clients
 * expect.
 */
public final class ProblemResponses {

    private ProblemResponses() {
    }

    public static void write(JsonMapper json, HttpServletRequest request, HttpServletResponse response,
            HttpStatus status, String type, String title, String detail, Duration retryAfter) throws IOException {
        response.resetBuffer();
        response.setStatus(status.value());
        if (retryAfter != null) {
            response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(Math.max(1, retryAfter.toSeconds())));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (FacadeErrors.applies(request)) {
            body.putAll(FacadeErrors.body(status.value(), detail, null, type));
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        }
        else {
            body.put("type", Problems.TYPE_PREFIX + type);
            body.put("title", title);
            body.put("status", status.value());
            body.put("detail", detail);
            body.put("instance", request.getRequestURI());
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        }
        response.setCharacterEncoding("UTF-8");
        json.writeValue(response.getOutputStream(), body);
        response.flushBuffer();
    }
}
