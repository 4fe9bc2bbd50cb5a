package dev.lore.answers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.lore.models.Cancellation;
import dev.lore.web.LoreException;
import dev.lore.web.Problems;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/answer}: a cited answer as JSON, or with {@code Accept: text/event-stream} as SSE events
 * {@code token}, {@code retrieval}, {@code error} and a final {@code done}; a client that goes away cancels it.
 */
@RestController
class AnswerController {

    private static final Logger log = LoggerFactory.getLogger(AnswerController.class);

    private final Answerer answerer;
    private final AnswerRequests requests;
    private final JsonMapper json;

    AnswerController(Answerer answerer, AnswerRequests requests, JsonMapper json) {
        this.answerer = answerer;
        this.requests = requests;
        this.json = json;
    }

    @PostMapping(path = "/api/v1/answer", produces = { MediaType.APPLICATION_JSON_VALUE,
            MediaType.APPLICATION_PROBLEM_JSON_VALUE })
    Answer answer(@RequestBody AnswerRequests.AnswerBody body) {
        return answerer.answer(requests.read(body), AnswerListener.NONE, Cancellation.none());
    }

    /**
     * Streams on the request's own thread, writing and flushing each event: no async dispatch (which the stateless
     * API-key security would have to admit again) and no thread hand-over; a write that fails means the client left.
     */
    @PostMapping(path = "/api/v1/answer", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    void stream(@RequestBody AnswerRequests.AnswerBody body, HttpServletResponse response) throws IOException {
        AnswerRequest request = requests.read(body);
        answerer.check(request);
        response.setStatus(HttpStatus.OK.value());
        response.setContentType(MediaType.TEXT_EVENT_STREAM_VALUE);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        Cancellation cancellation = new Cancellation();
        Events events = new Events(response, json, cancellation);
        try {
            Answer answer = answerer.answer(request, events, cancellation);
            events.send("done", answer);
        }
        catch (LoreException failure) {
            events.send("error", problem(failure.status(), failure.type(), failure.title(), failure.getMessage()));
        }
        catch (RuntimeException failure) {
            log.error("Unexpected failure while streaming an answer", failure);
            events.send("error", problem(HttpStatus.INTERNAL_SERVER_ERROR, "internal", "Internal error",
                    "An unexpected error occurred; it has been logged."));
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

        synchronized void send(String name, Object data) {
            if (cancellation.isCancelled()) {
                return;
            }
            try {
                var out = response.getOutputStream();
                out.write(("event: " + name + "\ndata: " + json.writeValueAsString(data) + "\n\n")
                        .getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            catch (IOException gone) {
                cancellation.cancel();
            }
        }
    }
}
