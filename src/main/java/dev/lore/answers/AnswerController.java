package dev.lore.answers;

import java.io.IOException;
import java.util.Optional;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.tags.Tag;

import dev.lore.models.Cancellation;
import dev.lore.web.Admitted;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v1/answer}: a cited answer as JSON, or with {@code Accept: text/event-stream} as SSE events
 * {@code token}, {@code retrieval}, {@code error} and a final {@code done}; a client that goes away cancels it.
 */
@RestController
@Tag(name = "Answers")
class AnswerController {

    private final Answerer answerer;
    private final AnswerRequests requests;
    private final JsonMapper json;

    AnswerController(Answerer answerer, AnswerRequests requests, JsonMapper json) {
        this.answerer = answerer;
        this.requests = requests;
        this.json = json;
    }

    @Admitted
    @PostMapping(path = "/api/v1/answer", produces = { MediaType.APPLICATION_JSON_VALUE,
            MediaType.APPLICATION_PROBLEM_JSON_VALUE })
    Answer answer(@RequestBody AnswerRequests.AnswerBody body) {
        return answerer.answer(requests.read(body), AnswerListener.NONE, Cancellation.none());
    }

    /** Streams the answer as SSE events ({@link AnswerStream}). */
    @Admitted
    @PostMapping(path = "/api/v1/answer", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    void stream(@RequestBody AnswerRequests.AnswerBody body, HttpServletResponse response) throws IOException {
        AnswerRequest request = requests.read(body);
        answerer.check(request);
        AnswerStream.write(response, json,
                (events, cancellation) -> Optional.of(answerer.answer(request, events, cancellation)));
    }
}
