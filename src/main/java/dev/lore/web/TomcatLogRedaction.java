package dev.lore.web;

import java.util.List;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * Keeps request text out of Tomcat's log: when Tomcat rejects a malformed request line or header, its exception
 * quotes the offending line, e.g. {@code Authorization: Bearer <the administrator key>}. The log keeps the
 * exception's class and stack trace, without its message.
 */
@Component
class TomcatLogRedaction implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {

    // Tomcat logs through java.util.logging, where a filter belongs to the logger that creates the record (not its
    // parents); JUL holds loggers weakly, so these references keep the filtered ones alive.
    private static final List<Logger> REQUEST_PARSING = List.of(
            Logger.getLogger("org.apache.coyote.http11.Http11Processor"),
            Logger.getLogger("org.apache.coyote.http11.Http11InputBuffer"));

    @Override
    public void customize(TomcatServletWebServerFactory factory) {
        REQUEST_PARSING.forEach(logger -> logger.setFilter(TomcatLogRedaction::redact));
    }

    static boolean redact(LogRecord record) {
        if (record.getThrown() != null && !(record.getThrown() instanceof Withheld)) {
            record.setThrown(new Withheld(record.getThrown()));
        }
        return true;
    }

    /** Stands in for Tomcat's exception: the same class name and stack, no message and no causes. */
    private static final class Withheld extends RuntimeException {

        Withheld(Throwable original) {
            super(original.getClass().getName() + " (message withheld: it quotes the request, which may carry "
                    + "credentials)", null, false, true);
            setStackTrace(original.getStackTrace());
        }
    }
}
