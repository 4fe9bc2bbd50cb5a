package dev.lore.answers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import dev.lore.answers.flare.FlareSettings;
import dev.lore.models.Cancellation;
import dev.lore.retrieval.RerankMode;
import dev.lore.retrieval.SearchFilter;
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
    private static final Set<String> FLARE_KEYS = Set.of("threshold", "maskBelow", "query", "lookaheadTokens",
            "maxRetrievals", "documents");

    private final Answerer answerer;
    private final AnswersProperties properties;
    private final JsonMapper json;

    AnswerController(Answerer answerer, AnswersProperties properties, JsonMapper json) {
        this.answerer = answerer;
        this.properties = properties;
        this.json = json;
    }

    record AnswerBody(String collection, String question, String strategy, Integer topK, String rerank,
            Map<String, Object> filter, String generator, Map<String, Object> flare) {
    }

    @PostMapping(path = "/api/v1/answer", produces = { MediaType.APPLICATION_JSON_VALUE,
            MediaType.APPLICATION_PROBLEM_JSON_VALUE })
    Answer answer(@RequestBody AnswerBody body) {
        return answerer.answer(request(body), AnswerListener.NONE, Cancellation.none());
    }

    /**
     * Streams on the request's own thread, writing and flushing each event: no async dispatch (which the stateless
     * API-key security would have to admit again) and no thread hand-over; a write that fails means the client left.
     */
    @PostMapping(path = "/api/v1/answer", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    void stream(@RequestBody AnswerBody body, HttpServletResponse response) throws IOException {
        AnswerRequest request = request(body);
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
        catch (IllegalArgumentException failure) {
            events.send("error", problem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request",
                    failure.getMessage()));
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

    private AnswerRequest request(AnswerBody body) {
        boolean extractive = false;
        if (body.generator() != null) {
            if (!body.generator().strip().equalsIgnoreCase("none")) {
                throw LoreException.invalid("generator may only be \"none\" (an extractive answer quoted from the "
                        + "documents); leave it out to use the configured generator");
            }
            extractive = true;
        }
        int topK = body.topK() == null ? properties.topK() : body.topK();
        return new AnswerRequest(body.collection(), body.question(), Strategy.parse(body.strategy()), topK,
                RerankMode.parse(body.rerank()), SearchFilter.fromJson(body.filter()), extractive,
                flare(body.flare()));
    }

    private FlareSettings flare(Map<String, Object> flare) {
        FlareSettings defaults = answerer.flareDefaults();
        if (flare == null) {
            return defaults;
        }
        for (String key : flare.keySet()) {
            if (!FLARE_KEYS.contains(key)) {
                throw LoreException.invalid("Unknown flare setting '" + key + "' (expected " + String.join(", ",
                        new java.util.TreeSet<>(FLARE_KEYS)) + ")");
            }
        }
        Object query = flare.get("query");
        if (query != null && !(query instanceof String)) {
            throw LoreException.invalid("flare.query must be masked or questions");
        }
        return new FlareSettings(number(flare, "threshold", defaults.threshold()),
                number(flare, "maskBelow", defaults.maskBelow()),
                query == null ? defaults.query() : FlareSettings.QueryMode.parse((String) query),
                integer(flare, "lookaheadTokens", defaults.lookaheadTokens()),
                integer(flare, "maxRetrievals", defaults.maxRetrievals()),
                integer(flare, "documents", defaults.documents()));
    }

    private static double number(Map<String, Object> settings, String key, double fallback) {
        Object value = settings.get(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Number number)) {
            throw LoreException.invalid("flare." + key + " must be a number");
        }
        return number.doubleValue();
    }

    private static int integer(Map<String, Object> settings, String key, int fallback) {
        Object value = settings.get(key);
        if (value == null) {
            return fallback;
        }
        if (!(value instanceof Integer number)) {
            throw LoreException.invalid("flare." + key + " must be an integer");
        }
        return number;
    }

}
