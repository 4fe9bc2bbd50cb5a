package dev.lore.web;

import java.io.IOException;
import java.io.UncheckedIOException;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;

/**
 * Answers a controller's failure with {@code 503 database-unavailable} when the database could not be reached, before
 * {@link ProblemDetailsAdvice} would turn it into a 500. A resolver rather than a second {@code @ControllerAdvice}:
 * an exception handler cannot decline, and {@code DataAccessResourceFailureException} or
 * {@code CannotCreateTransactionException} only mean an outage for some causes, the rest stay the general advice's.
 */
@Component
class DatabaseOutageResolver implements HandlerExceptionResolver, Ordered {

    private final DatabaseOutage outage;

    DatabaseOutageResolver(DatabaseOutage outage) {
        this.outage = outage;
    }

    @Override
    public ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler,
            Exception failure) {
        if (!DatabaseOutage.causedBy(failure) || response.isCommitted()) {
            return null;
        }
        try {
            outage.answer(request, response, failure);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ModelAndView();
    }

    /** Before Spring MVC's own resolvers (order 0), which hold the {@code @ControllerAdvice} handlers. */
    @Override
    public int getOrder() {
        return -1;
    }
}
