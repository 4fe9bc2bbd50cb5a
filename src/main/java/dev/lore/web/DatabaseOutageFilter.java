package dev.lore.web;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Answers {@code 503 database-unavailable} when a filter (an API key's lookup) fails for want of a database: such
 * failures never reach Spring MVC's exception handling and would otherwise end as the container's bare 500.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class DatabaseOutageFilter extends OncePerRequestFilter {

    private final DatabaseOutage outage;

    DatabaseOutageFilter(DatabaseOutage outage) {
        this.outage = outage;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        }
        catch (RuntimeException | ServletException e) {
            if (!DatabaseOutage.causedBy(e) || response.isCommitted()) {
                throw e;
            }
            outage.answer(request, response, e);
        }
    }
}
