package dev.lore.web.admission;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import dev.lore.web.ProblemResponses;
import tools.jackson.databind.json.JsonMapper;

/**
 * Admits a {@code POST} to the bounded paths ({@code lore.admission.paths}) only while the {@link Admission} bulkhead
 * has room, and answers the rest {@code 503 overloaded} with {@code Retry-After}. It runs after authentication, so a
 * request without a valid key is refused without taking a place; a streamed answer keeps its place until the stream
 * ends.
 */
@Component
@Order(0)
class AdmissionFilter extends OncePerRequestFilter {

    private final Admission admission;
    private final AdmissionProperties properties;
    private final Set<String> paths;
    private final JsonMapper json;

    AdmissionFilter(Admission admission, AdmissionProperties properties, JsonMapper json) {
        this.admission = admission;
        this.properties = properties;
        this.paths = Set.copyOf(properties.paths());
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !properties.enabled() || !"POST".equals(request.getMethod())
                || !paths.contains(request.getRequestURI());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!admission.tryEnter()) {
            ProblemResponses.write(json, request, response, HttpStatus.SERVICE_UNAVAILABLE, "overloaded", "Overloaded",
                    "Lore is already serving as many searches and answers as it admits at once ("
                            + admission.limit() + ", lore.admission.max-concurrent); try again in "
                            + properties.retryAfter().toSeconds() + " s.",
                    properties.retryAfter());
            return;
        }
        AtomicBoolean left = new AtomicBoolean();
        Runnable leave = () -> {
            if (left.compareAndSet(false, true)) {
                admission.leave();
            }
        };
        try {
            chain.doFilter(request, response);
        }
        finally {
            if (request.isAsyncStarted()) {
                request.getAsyncContext().addListener(new Leave(leave));
            }
            else {
                leave.run();
            }
        }
    }

    /** Gives the place back when a streamed response ends, however it ends. */
    private record Leave(Runnable leave) implements AsyncListener {

        @Override
        public void onComplete(AsyncEvent event) {
            leave.run();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            leave.run();
        }

        @Override
        public void onError(AsyncEvent event) {
            leave.run();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // the same request continues: it keeps its place
        }
    }
}
