package dev.lore.web;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import tools.jackson.databind.json.JsonMapper;

/**
 * Answers Boot's error page ({@code server.error.path}, {@code /error}) asked for directly with the 404 any unknown
 * path gets: it is only meant for the container's error dispatch, and without an error to render it answered
 * {@code 500 {"status":999}}.
 * Error dispatches themselves never pass here ({@link OncePerRequestFilter} skips them).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 12) // after the request log, which records it
class ErrorPageFilter extends OncePerRequestFilter {

    private final JsonMapper json;
    private final String errorPath;

    ErrorPageFilter(JsonMapper json, @Value("${server.error.path:/error}") String errorPath) {
        this.json = json;
        this.errorPath = errorPath;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return !(path.equals(errorPath) || path.startsWith(errorPath + "/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        ProblemResponses.write(json, request, response, HttpStatus.NOT_FOUND, "not-found", "Not Found",
                "Nothing at " + request.getRequestURI() + ": the API is under /api/v1, described at /swagger-ui.html",
                null);
    }
}
