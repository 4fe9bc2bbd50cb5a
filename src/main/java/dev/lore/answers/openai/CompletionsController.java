package dev.lore.answers.openai;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import dev.lore.answers.Answer;
import dev.lore.answers.AnswerListener;
import dev.lore.answers.AnswerStream;
import dev.lore.answers.AnswerRequest;
import dev.lore.answers.AnswerRequests;
import dev.lore.answers.Answerer;
import dev.lore.answers.RetrievalStep;
import dev.lore.answers.chat.ChatProperties;
import dev.lore.answers.chat.FollowUps;
import dev.lore.models.Cancellation;
import dev.lore.models.ChatMessage;
import dev.lore.security.Caller;
import dev.lore.security.CurrentCaller;
import dev.lore.web.Admitted;
import dev.lore.web.DatabaseOutage;
import dev.lore.web.LoreException;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/chat/completions} and {@code GET /v1/models}: Lore's answers as OpenAI's chat completions, model
 * {@code lore:<collection>[:flare|:hyde]}, the stateless {@code messages} a conversation whose last user message is
 * the question; streaming as unnamed {@code data:} chunks ending in {@code [DONE]}, citations top-level.
 */
@RestController
@Tag(name = "OpenAI-compatible")
class CompletionsController {

    private static final Logger log = LoggerFactory.getLogger(CompletionsController.class);
    private static final Pattern MODEL = Pattern.compile("lore:(" + Caller.COLLECTION_NAME.pattern()
            + ")(?::(flare|hyde))?");
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

    /** What Lore reads of an OpenAI request; the many other fields clients send are ignored. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record CompletionBody(String model, List<Map<String, Object>> messages, Boolean stream,
            @JsonProperty("stream_options") StreamOptions streamOptions) {
    }

    /** OpenAI's {@code stream_options}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record StreamOptions(@JsonProperty("include_usage") Boolean includeUsage) {
    }

    private final FollowUps followUps;
    private final Answerer answerer;
    private final AnswerRequests requests;
    private final CurrentCaller caller;
    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Clock clock;
    private final ChatProperties chat;

    CompletionsController(FollowUps followUps, Answerer answerer, AnswerRequests requests, CurrentCaller caller,
            JdbcClient jdbc, JsonMapper json, Clock clock, ChatProperties chat) {
        this.chat = chat;
        this.followUps = followUps;
        this.answerer = answerer;
        this.requests = requests;
        this.caller = caller;
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
    }

    @Operation(summary = "OpenAI-compatible: the lore:<collection> models this key may use")
    @GetMapping(path = "/v1/models", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> models() {
        Caller who = caller.get();
        List<Map<String, Object>> models = new ArrayList<>();
        jdbc.sql("SELECT name, extract(epoch FROM created_at)::bigint AS created FROM collections ORDER BY name")
                .query((rs, row) -> Map.<String, Object>of("id", "lore:" + rs.getString("name"), "object", "model",
                        "created", rs.getLong("created"), "owned_by", "lore"))
                .list().stream().filter(model -> who.canRead(((String) model.get("id")).substring(5)))
                .forEach(models::add);
        return Map.of("object", "list", "data", models);
    }

    @Operation(summary = "OpenAI-compatible chat completion over a collection")
    @Admitted
    @PostMapping(path = "/v1/chat/completions")
    void completions(@RequestBody CompletionBody body, HttpServletResponse response) throws IOException {
        String model = body.model();
        if (model == null || model.isBlank()) {
            throw CompletionRejected.invalid("model", "model is required: lore:<collection> (GET /v1/models)");
        }
        Matcher matcher = MODEL.matcher(model.strip());
        if (!matcher.matches() || !readable(matcher.group(1))) {
            throw CompletionRejected.unknownModel(model);
        }
        List<ChatMessage> earlier = new ArrayList<>();
        String question = conversation(body.messages(), earlier, chat.maxMessageChars());
        AnswerRequest request = requests.read(new AnswerRequests.AnswerBody(matcher.group(1), question,
                matcher.group(2), null, null, null, null, null, null));
        answerer.check(request);
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = clock.instant().getEpochSecond();
        if (!Boolean.TRUE.equals(body.stream())) {
            Answer answer = followUps.answer(request, earlier, AnswerListener.NONE, Cancellation.none());
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", "assistant");
            message.put("content", answer.answer());
            message.put("refusal", null);
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", 0);
            choice.put("message", message);
            choice.put("logprobs", null);
            choice.put("finish_reason", "stop");
            Map<String, Object> completion = head(id, "chat.completion", created, model);
            completion.put("choices", List.of(choice));
            completion.put("usage", usage(answer));
            completion.put("citations", answer.citations());
            response.setStatus(HttpStatus.OK.value());
            response.setContentType(MediaType.APPLICATION_JSON_VALUE);
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            json.writeValue(response.getOutputStream(), completion);
            return;
        }
        boolean includeUsage = body.streamOptions() != null && Boolean.TRUE.equals(body.streamOptions().includeUsage());
        AnswerStream.open(response);
        Cancellation cancellation = new Cancellation();
        Chunks chunks = new Chunks(response, json, cancellation, id, created, model);
        chunks.delta(Map.of("role", "assistant", "content", ""), null, null);
        try {
            Answer answer = followUps.answer(request, earlier, chunks, cancellation);
            chunks.delta(Map.of(), "stop", answer.citations());
            if (includeUsage) {
                Map<String, Object> chunk = head(id, "chat.completion.chunk", created, model);
                chunk.put("choices", List.of());
                chunk.put("usage", usage(answer));
                chunks.data(chunk);
            }
            chunks.done();
        }
        catch (LoreException failure) {
            chunks.data(OpenAiErrors.body(failure));
        }
        catch (RuntimeException failure) {
            if (DatabaseOutage.causedBy(failure)) {
                log.warn("Database unavailable while streaming a chat completion: {}", failure.toString());
                chunks.data(Map.of("error", Map.of("message", "Lore cannot reach its database right now; try again "
                        + "shortly.", "type", "server_error", "code", "database_unavailable")));
                return;
            }
            log.error("Unexpected failure while streaming a chat completion", failure);
            chunks.data(Map.of("error", Map.of("message", "An unexpected error occurred; it has been logged.",
                    "type", "server_error", "code", "internal")));
        }
    }

    private boolean readable(String collection) {
        return caller.get().canRead(collection) && jdbc.sql("SELECT count(*) FROM collections WHERE name = :name")
                .param("name", collection).query(Long.class).single() > 0;
    }

    /**
     * Checks the messages and returns the last user message's text, adding the user and assistant turns before it
     * to {@code earlier}; system and developer messages are ignored, as Lore writes its own instructions. A message
     * longer than {@code maxChars} is refused before anything reads it (the earlier turns that reach the model are
     * then cut to {@code lore.chat.history-tokens} by {@link FollowUps}).
     */
    private static String conversation(List<Map<String, Object>> messages, List<ChatMessage> earlier,
            int maxChars) {
        if (messages == null || messages.isEmpty()) {
            throw CompletionRejected.invalid("messages", "messages must hold at least one user message");
        }
        List<ChatMessage> turns = new ArrayList<>();
        int lastUser = -1;
        for (int i = 0; i < messages.size(); i++) {
            Map<String, Object> message = messages.get(i);
            Object role = message == null ? null : message.get("role");
            if (!(role instanceof String name) || !ROLES.contains(name)) {
                throw CompletionRejected.invalid("messages[" + i + "].role", "messages[" + i + "].role must be "
                        + "system, developer, user or assistant, was " + (role == null ? "missing" : "'" + role + "'"));
            }
            if (!(message.get("content") instanceof String content)) {
                throw CompletionRejected.invalid("messages[" + i + "].content", "messages[" + i + "].content must "
                        + "be a string");
            }
            if (content.length() > maxChars) {
                throw CompletionRejected.tooLong("messages[" + i + "].content", "messages[" + i + "].content holds "
                        + content.length() + " characters; a message may hold at most " + maxChars
                        + " (lore.chat.max-message-chars)");
            }
            if (name.equals("user")) {
                lastUser = turns.size();
                turns.add(ChatMessage.user(content));
            }
            else if (name.equals("assistant")) {
                turns.add(ChatMessage.assistant(content));
            }
        }
        if (lastUser < 0) {
            throw CompletionRejected.invalid("messages", "messages must hold at least one user message");
        }
        earlier.addAll(turns.subList(0, lastUser));
        return turns.get(lastUser).content();
    }

    private static Map<String, Object> head(String id, String object, long created, String model) {
        Map<String, Object> head = new LinkedHashMap<>();
        head.put("id", id);
        head.put("object", object);
        head.put("created", created);
        head.put("model", model);
        return head;
    }

    private static Map<String, Object> usage(Answer answer) {
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("prompt_tokens", answer.usage().promptTokens());
        usage.put("completion_tokens", answer.usage().completionTokens());
        usage.put("total_tokens", answer.usage().promptTokens() + answer.usage().completionTokens());
        return usage;
    }

    /** Writes an answer as chunks; the first failed write (the client left) cancels the generation. */
    private static final class Chunks implements AnswerListener {

        private final HttpServletResponse response;
        private final JsonMapper json;
        private final Cancellation cancellation;
        private final String id;
        private final long created;
        private final String model;

        Chunks(HttpServletResponse response, JsonMapper json, Cancellation cancellation, String id, long created,
                String model) {
            this.response = response;
            this.json = json;
            this.cancellation = cancellation;
            this.id = id;
            this.created = created;
            this.model = model;
        }

        @Override
        public boolean streaming() {
            return true;
        }

        @Override
        public void token(String text) {
            delta(Map.of("content", text), null, null);
        }

        @Override
        public void retrieval(RetrievalStep step) {
            // OpenAI's chunks have no place for a re-retrieval; its citations arrive on the last chunk
        }

        void delta(Map<String, Object> delta, String finishReason, Object citations) {
            Map<String, Object> choice = new LinkedHashMap<>();
            choice.put("index", 0);
            choice.put("delta", delta);
            choice.put("logprobs", null);
            choice.put("finish_reason", finishReason);
            Map<String, Object> chunk = head(id, "chat.completion.chunk", created, model);
            chunk.put("choices", List.of(choice));
            if (citations != null) {
                chunk.put("citations", citations);
            }
            data(chunk);
        }

        void done() {
            write("data: [DONE]\n\n");
        }

        void data(Object data) {
            write("data: " + json.writeValueAsString(data) + "\n\n");
        }

        private void write(String event) {
            AnswerStream.frame(response, cancellation, event);
        }
    }
}
