package dev.lore.answers.chat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.lore.answers.AnswerListener;
import dev.lore.answers.AnswerStream;
import dev.lore.models.Cancellation;
import dev.lore.security.CurrentCaller;
import dev.lore.web.Admitted;
import dev.lore.web.LoreException;
import dev.lore.web.Paging;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code /api/v1/chat}: a turn of a conversation as JSON or, with {@code Accept: text/event-stream}, as the events of
 * {@code /api/v1/answer}; the caller's sessions, one session's messages, deletion, feedback on an answer, and every
 * rated answer for an administrator.
 */
@RestController
@Tag(name = "Chat")
class ChatController {

    /** The body of a rating. */
    record FeedbackBody(String rating, String comment) {
    }

    private final Chats chats;
    private final ChatSessions sessions;
    private final CurrentCaller caller;
    private final JsonMapper json;
    private final java.time.Clock clock;
    private final ChatProperties properties;

    ChatController(Chats chats, ChatSessions sessions, CurrentCaller caller, JsonMapper json, java.time.Clock clock,
            ChatProperties properties) {
        this.properties = properties;
        this.chats = chats;
        this.sessions = sessions;
        this.caller = caller;
        this.json = json;
        this.clock = clock;
    }

    @Operation(summary = "Ask in a conversation: a cited answer with its sessionId and messageId")
    @Admitted
    @PostMapping(path = "/api/v1/chat", produces = { MediaType.APPLICATION_JSON_VALUE,
            MediaType.APPLICATION_PROBLEM_JSON_VALUE })
    Chats.ChatAnswer chat(@RequestBody Chats.ChatBody body) {
        return chats.answer(chats.prepare(body, caller.get().keyId()), AnswerListener.NONE, Cancellation.none()).orElseThrow();
    }

    /** Streams on the request's own thread like {@code /api/v1/answer}; {@code done} comes only once stored. */
    @Operation(summary = "Ask in a conversation, streamed as SSE events")
    @Admitted
    @PostMapping(path = "/api/v1/chat", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    void stream(@RequestBody Chats.ChatBody body, HttpServletResponse response) throws IOException {
        Chats.Turn turn = chats.prepare(body, caller.get().keyId());
        AnswerStream.write(response, json, (events, cancellation) -> chats.answer(turn, events, cancellation));
    }

    /**
     * A page of the caller's sessions, latest first: still the plain array it always was, with a {@code Link} header
     * ({@code rel="next"}) when more follow.
     */
    @Operation(summary = "The caller's chat sessions, latest first, a page at a time (Link rel=next)")
    @GetMapping("/api/v1/chat")
    ResponseEntity<List<ChatSessions.Session>> list(@RequestParam(required = false) Integer limit,
            @RequestParam(defaultValue = "0") long offset) {
        int size = pageSize(limit);
        Paging.position("offset", offset, Integer.MAX_VALUE);
        ChatSessions.Sessions page = sessions.list(caller.get().keyId(), size, offset);
        ResponseEntity.BodyBuilder response = ResponseEntity.ok();
        if (page.hasMore()) {
            response.header(HttpHeaders.LINK, "</api/v1/chat?limit=" + size + "&offset=" + (offset + size)
                    + ">; rel=\"next\"");
        }
        return response.body(page.sessions());
    }

    private int pageSize(Integer limit) {
        return limit == null ? properties.pageSize()
                : Paging.limit("limit", limit, properties.maxPageSize(), "lore.chat.max-page-size");
    }

    /** Every key's rated answers, for an administrator to find the bad ones ({@code ?rating=down}). */
    @Operation(summary = "Every key's rated answers (administrators)")
    @GetMapping("/api/v1/chat/feedback")
    List<ChatSessions.Rated> feedback(@RequestParam(required = false) String rating,
            @RequestParam(defaultValue = "100") int limit, @RequestParam(required = false) String format) {
        if (format != null) {
            throw LoreException.invalid("format may only be questions (with collection=<name>): the rated answers "
                    + "as labelled questions for POST /api/v1/evaluations/answers; leave it out for the answers");
        }
        checkFeedbackQuery(rating, limit);
        return sessions.rated(rating, limit);
    }

    /** A rated answer as the stub of a labelled question: what the person said, and what the answer cited. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record QuestionStub(String id, String question, List<String> answerContains, List<String> relevant,
            Map<String, Object> feedback) {
    }

    /** The body of an answer evaluation of one collection, its questions from rated answers. */
    record FeedbackQuestions(String collection, List<QuestionStub> questions) {
    }

    /**
     * One collection's rated answers as the body of {@code POST /api/v1/evaluations/answers}: each question with the
     * sources its answer cited as {@code relevant} and an empty {@code answerContains} for a person to fill in
     * (or {@code "unanswerable":true} to add); {@code feedback} (the rating, comment and answer given) is kept for
     * that person and ignored by the evaluation.
     */
    @Operation(summary = "One collection's rated answers as labelled questions for an answer evaluation "
            + "(administrators)")
    @GetMapping(path = "/api/v1/chat/feedback", params = "format=questions")
    FeedbackQuestions feedbackQuestions(@RequestParam(required = false) String rating,
            @RequestParam(defaultValue = "100") int limit, @RequestParam(required = false) String collection) {
        checkFeedbackQuery(rating, limit);
        if (collection == null || collection.isBlank()) {
            throw LoreException.invalid("format=questions needs collection=<name>: an answer evaluation covers one "
                    + "collection");
        }
        List<QuestionStub> questions = new ArrayList<>();
        for (ChatSessions.Rated rated : sessions.rated(rating, collection.strip(), limit)) {
            if (rated.question() == null || rated.question().isBlank()) {
                continue;
            }
            Set<String> sources = new LinkedHashSet<>();
            if (rated.citations() != null) {
                rated.citations().forEach(citation -> {
                    String source = citation.path("source").asString("");
                    if (!source.isBlank()) {
                        sources.add(source);
                    }
                });
            }
            Map<String, Object> feedback = new LinkedHashMap<>();
            feedback.put("rating", rated.feedback().rating());
            feedback.put("comment", rated.feedback().comment());
            feedback.put("answer", rated.answer());
            feedback.put("sessionId", rated.sessionId());
            feedback.put("messageId", rated.messageId());
            feedback.put("at", rated.feedback().at());
            questions.add(new QuestionStub("feedback-" + rated.messageId(), rated.question(), List.of(),
                    List.copyOf(sources), feedback));
        }
        return new FeedbackQuestions(collection.strip(), questions);
    }

    private void checkFeedbackQuery(String rating, int limit) {
        if (!caller.get().admin()) {
            throw LoreException.forbidden("Only an administrator's key may read every key's feedback");
        }
        if (rating != null && !List.of("up", "down").contains(rating)) {
            throw LoreException.invalid("rating must be up or down");
        }
        Paging.limit("limit", limit);
    }

    /** The latest messages; {@code ?before=nextBefore} shows the ones before them. */
    @Operation(summary = "A chat session's latest messages with citations, retrievals and feedback")
    @GetMapping("/api/v1/chat/{sessionId}")
    ChatSessions.Transcript get(@PathVariable UUID sessionId, @RequestParam(required = false) Integer limit,
            @RequestParam(required = false) Integer before) {
        if (before != null && before < 0) {
            throw LoreException.invalid("before must be 0 or more, was " + before);
        }
        return sessions.transcript(caller.get().keyId(), sessionId, pageSize(limit), before);
    }

    @Operation(summary = "Delete a chat session")
    @DeleteMapping("/api/v1/chat/{sessionId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(@PathVariable UUID sessionId) {
        if (!sessions.delete(caller.get().keyId(), sessionId)) {
            throw ChatSessions.notFound(sessionId);
        }
    }

    @Operation(summary = "Rate an answer up or down, with a comment")
    @PostMapping("/api/v1/chat/{sessionId}/messages/{messageId}/feedback")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void feedback(@PathVariable UUID sessionId, @PathVariable UUID messageId, @RequestBody FeedbackBody body) {
        String keyId = caller.get().keyId();
        if (sessions.find(keyId, sessionId).isEmpty()) {
            throw ChatSessions.notFound(sessionId);
        }
        if (body.rating() == null || !List.of("up", "down").contains(body.rating())) {
            throw LoreException.invalid("rating must be up or down");
        }
        String comment = body.comment() == null || body.comment().isBlank() ? null : body.comment().strip();
        if (comment != null && comment.length() > 4000) {
            throw LoreException.invalid("comment must be at most 4000 characters, was " + comment.length());
        }
        if (!sessions.rate(keyId, sessionId, messageId, body.rating(), comment, clock.instant())) {
            throw LoreException.notFound("chat-message-not-found", "Chat message not found",
                    "Chat session " + sessionId + " has no answer " + messageId);
        }
    }
}
