package dev.lore.answers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;

import dev.lore.models.Cancellation;
import dev.lore.web.DatabaseOutage;
import dev.lore.web.LoreException;
import dev.lore.web.Problems;
import tools.jackson.databind.json.JsonMapper;

/**
 * Streams an answer as server-sent events on the request's own thread, writing and flushing each event: no async
 * dispatch (which the stateless API-key security would have to admit again) and no thread hand-over. {@code token}
 * and {@code retrieval} events as they happen, then {@code done} with the whole answer or {@code error} with a
 * problem (what the request itself gets wrong is refused before, by the callers' checks; a database out of reach
 * before the first event is answered as the plain 503 it is). The first write that fails (the client left) cancels
 * the generation.
 */
public final class AnswerStream {

    private static final Logger log = LoggerFactory.getLogger(AnswerStream.class);

    private AnswerStream() {
    }

    /** Runs {@code answer} with a listener that streams its events; an empty result sends no {@code done}. */
    public static void write(HttpServletResponse response, JsonMapper json,
            BiFunction<AnswerListener, Cancellation, Optional<?>> answer) throws IOException {
        open(response);
        Cancellation cancellation = new Cancellation();
        Events events = new Events(response, json, cancellation);
        try {
            answer.apply(events, cancellation).ifPresent(done -> events.send("done", done));
        }
        catch (RuntimeException failure) {
            if (!response.isCommitted() && DatabaseOutage.causedBy(failure)) {
                // nothing sent yet: answered 503 database-unavailable like any request, not as a 200 stream
                response.reset();
                throw failure;
            }
            if (failure instanceof LoreException lore) {
                events.send("error", problem(lore.status(), lore.type(), lore.title(), lore.getMessage()));
                return;
            }
            if (DatabaseOutage.causedBy(failure)) {
                log.warn("Database unavailable while streaming an answer: {}", failure.toString());
                events.send("error", problem(HttpStatus.SERVICE_UNAVAILABLE, "database-unavailable",
                        "Database unavailable", "Lore cannot reach its database right now; try again shortly."));
                return;
            }
            log.error("Unexpected failure while streaming an answer", failure);
            events.send("error", problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal", "Internal error",
                    "An unexpected error occurred; it has been logged."));
        }
    }

    /** Starts an event stream: status, content type, and no caching or proxy buffering. */
    public static void open(HttpServletResponse response) {
        response.setStatus(HttpStatus.OK.value());
        response.setContentType(MediaType.TEXT_EVENT_STREAM_VALUE);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
    }

    /**
     * Writes and flushes one frame unless the generation is already cancelled; a write that fails means the client
     * left, and cancels it.
     */
    public static void frame(HttpServletResponse response, Cancellation cancellation, String frame) {
        synchronized (response) {
            if (cancellation.isCancelled()) {
                return;
            }
            try {
                var out = response.getOutputStream();
                out.write(frame.getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            catch (IOException gone) {
                cancellation.cancel();
            }
        }
    }

    private static Map<String, Object> problem(HttpStatus status, String type, String title, String detail) {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", Problems.TYPE_PREFIX + type);
        problem.put("title", title);
        problem.put("status", status.value());
        problem.put("detail", detail);
        return problem;
    }

    /** Writes an answer's events; the first failed write (the client left) cancels the generation. */
    private static final class Events implements AnswerListener {

        private final HttpServletResponse response;
        private final JsonMapper json;
        private final Cancellation cancellation;

        Events(HttpServletResponse response, JsonMapper json, Cancellation cancellation) {
            this.response = response;
            this.json = json;
            this.cancellation = cancellation;
        }

        @Override
        public boolean streaming() {
            return true;
        }

        @Override
        public void token(String text) {
            send("token", Map.of("text", text));
        }

        @Override
        public void retrieval(RetrievalStep step) {
            send("retrieval", step);
        }

        void send(String name, Object data) {
            frame(response, cancellation, "event: " + name + "\ndata: " + json.writeValueAsString(data) + "\n\n");
        }
    }
}
