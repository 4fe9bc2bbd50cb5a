package dev.lore.answers.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestPropertySource;

import dev.lore.answers.ScriptedGenerator;
import dev.lore.answers.ScriptedGeneratorBackend;
import dev.lore.answers.SseClientAccess;
import dev.lore.models.ChatMessage;
import dev.lore.models.Embedder;
import dev.lore.models.GenerationRequest;
import dev.lore.models.ModelUnavailable;
import dev.lore.support.Api;
import dev.lore.support.Api.Part;
import dev.lore.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

/**
 * {@code /api/v1/chat} with a scripted generator: sessions kept per key, follow-ups rewritten into standalone
 * queries (by the model, or from the earlier user turns without one), the history budget, feedback, streaming,
 * and the bad input that stores nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Import(ScriptedGeneratorBackend.class)
@TestPropertySource(properties = { "lore.generator=scripted", "lore.chat.history-tokens=48" })
class ChatApiTests extends IntegrationTest {

    private static final String COLLECTION = "chat";
    private static final ScriptedGenerator MODEL = ScriptedGeneratorBackend.GENERATOR;
    private static final String LEAVE_QUESTION = "How many days of annual leave do staff earn?";
    private static final String REWRITE = "Rewrite the last message";

    @Autowired
    Embedder embedder;

    private String reader;

    @BeforeAll
    void ingest() {
        admin().post("/api/v1/collections", Map.of("name", COLLECTION));
        JsonNode status = admin().ingest(COLLECTION,
                Part.file("leave.md", "# Leave\n\nStaff earn 13 days of annual leave a year. After three years of "
                        + "service they earn 20 days a year.\n\nPart-time staff earn leave pro rata.\n"),
                Part.file("laptops.md", "# Laptops\n\nNew hires receive a laptop from the IT desk on day one. "
                        + "Laptops are replaced every four years.\n"));
        assertThat(status.path("status").asString()).isEqualTo("DONE");
        reader = admin().post("/api/v1/keys", Map.of("name", "chat-reader", "collections", List.of(COLLECTION),
                "permissions", List.of("read"))).body().path("key").asString();
    }

    @BeforeEach
    void reset() {
        MODEL.answer(request -> prompt(request).startsWith(REWRITE) ? "part-time staff annual leave days"
                : "Staff earn 13 days of annual leave [1].");
    }

    @Test
    void aFollowUpIsRewrittenIntoAStandaloneQueryAndTheAnswerSeesTheConversation() {
        JsonNode first = chat(admin(), Map.of("collection", COLLECTION, "message", LEAVE_QUESTION));
        String sessionId = first.path("sessionId").asString();
        assertThat(first.path("messageId").asString()).isNotBlank();
        assertThat(first.path("answer").asString()).isEqualTo("Staff earn 13 days of annual leave [1].");
        assertThat(first.path("retrievals").get(0).path("reason").asString()).isEqualTo("initial");
        assertThat(first.path("usage").path("llmCalls").asInt()).isEqualTo(1);
        int before = MODEL.requests().size();

        JsonNode second = chat(admin(), Map.of("sessionId", sessionId, "message", "and for part-time staff?"));

        assertThat(second.path("sessionId").asString()).isEqualTo(sessionId);
        JsonNode retrieval = second.path("retrievals").get(0);
        assertThat(retrieval.path("reason").asString()).isEqualTo("follow-up");
        assertThat(retrieval.path("query").asString()).isEqualTo("part-time staff annual leave days");
        assertThat(second.path("usage").path("llmCalls").asInt()).isEqualTo(2);
        List<GenerationRequest> calls = MODEL.requests().subList(before, MODEL.requests().size());
        assertThat(calls).hasSize(2);
        assertThat(prompt(calls.get(0))).startsWith(REWRITE).contains("User: " + LEAVE_QUESTION)
                .contains("Assistant: Staff earn 13 days of annual leave [1].")
                .contains("Last message: and for part-time staff?");
        List<ChatMessage> answerCall = calls.get(1).messages();
        assertThat(answerCall).hasSize(3);
        assertThat(answerCall.get(0)).isEqualTo(ChatMessage.user(LEAVE_QUESTION));
        assertThat(answerCall.get(1)).isEqualTo(ChatMessage.assistant("Staff earn 13 days of annual leave [1]."));
        assertThat(answerCall.get(2).content()).contains("Question: and for part-time staff?");

        JsonNode transcript = admin().get("/api/v1/chat/" + sessionId).body();
        assertThat(transcript.path("collection").asString()).isEqualTo(COLLECTION);
        JsonNode messages = transcript.path("messages");
        assertThat(messages).hasSize(4);
        assertThat(messages.get(0).path("role").asString()).isEqualTo("user");
        assertThat(messages.get(0).path("content").asString()).isEqualTo(LEAVE_QUESTION);
        assertThat(messages.get(3).path("role").asString()).isEqualTo("assistant");
        assertThat(messages.get(3).path("id").asString()).isEqualTo(second.path("messageId").asString());
        assertThat(messages.get(3).path("citations").get(0).path("source").asString()).isEqualTo("leave.md");
        assertThat(messages.get(3).path("retrievals").get(0).path("reason").asString()).isEqualTo("follow-up");
        assertThat(messages.get(3).path("createdAt").asString()).isNotBlank();

        List<String> listed = new ArrayList<>();
        admin().get("/api/v1/chat").body().forEach(session -> listed.add(session.path("sessionId").asString()));
        assertThat(listed).contains(sessionId);
    }

    @Test
    void withoutAGeneratorAFollowUpPrependsTheEarlierUserTurns() {
        int before = MODEL.requests().size();
        JsonNode first = chat(admin(), Map.of("collection", COLLECTION, "message", LEAVE_QUESTION,
                "generator", "none"));

        JsonNode second = chat(admin(), Map.of("sessionId", first.path("sessionId").asString(),
                "message", "and after three years?", "generator", "none"));

        JsonNode retrieval = second.path("retrievals").get(0);
        assertThat(retrieval.path("reason").asString()).isEqualTo("follow-up");
        assertThat(retrieval.path("query").asString()).isEqualTo(LEAVE_QUESTION + " and after three years?");
        assertThat(second.path("generator").asString()).isEqualTo("none");
        assertThat(second.path("answer").asString()).contains("20 days");
        assertThat(MODEL.requests()).hasSize(before);
    }

    @Test
    void theAnswerPromptCarriesOnlyTheLatestTurnsThatFitTheHistoryBudget() {
        MODEL.answer(request -> prompt(request).startsWith(REWRITE) ? "annual leave"
                : "Staff earn thirteen days of annual leave every year, and twenty after three years [1].");
        String sessionId = chat(admin(), Map.of("collection", COLLECTION, "message", "Annual leave?"))
                .path("sessionId").asString();
        chat(admin(), Map.of("sessionId", sessionId, "message", "After three years?"));
        chat(admin(), Map.of("sessionId", sessionId, "message", "Part-time?"));
        int before = MODEL.requests().size();

        chat(admin(), Map.of("sessionId", sessionId, "message", "Sick leave?"));

        List<ChatMessage> sent = MODEL.requests().get(before + 1).messages();
        List<ChatMessage> history = sent.subList(0, sent.size() - 1);
        List<ChatMessage> earlier = new ArrayList<>();
        admin().get("/api/v1/chat/" + sessionId).body().path("messages").forEach(message -> earlier.add(
                "user".equals(message.path("role").asString()) ? ChatMessage.user(message.path("content").asString())
                        : ChatMessage.assistant(message.path("content").asString())));
        List<ChatMessage> stored = earlier.subList(0, 6);
        int tokens = history.stream().mapToInt(message -> embedder.tokenStarts(message.content()).length).sum();
        assertThat(history).isNotEmpty().hasSizeLessThan(6);
        assertThat(tokens).isLessThanOrEqualTo(48);
        assertThat(history).isEqualTo(stored.subList(6 - history.size(), 6));
        assertThat(history.get(0).role()).isEqualTo(ChatMessage.Role.USER);
        ChatMessage older = stored.get(6 - history.size() - 1);
        assertThat(tokens + embedder.tokenStarts(older.content()).length
                + (older.role() == ChatMessage.Role.ASSISTANT
                        ? embedder.tokenStarts(stored.get(6 - history.size() - 2).content()).length : 0))
                .as("the next older turn would not have fit").isGreaterThan(48);
    }

    @Test
    void aSessionBelongsToTheKeyThatCreatedIt() {
        String sessionId = chat(as(reader), Map.of("collection", COLLECTION, "message", LEAVE_QUESTION))
                .path("sessionId").asString();
        String messageId = as(reader).get("/api/v1/chat/" + sessionId).body().path("messages").get(1).path("id")
                .asString();
        String other = admin().post("/api/v1/keys", Map.of("name", "chat-other", "collections", List.of(COLLECTION),
                "permissions", List.of("read"))).body().path("key").asString();

        assertThat(as(other).get("/api/v1/chat/" + sessionId).status()).isEqualTo(404);
        assertThat(as(other).get("/api/v1/chat/" + sessionId).problemType()).isEqualTo("chat-session-not-found");
        assertThat(as(other).post("/api/v1/chat", Map.of("sessionId", sessionId, "message", "and then?")).status())
                .isEqualTo(404);
        assertThat(as(other).post("/api/v1/chat/" + sessionId + "/messages/" + messageId + "/feedback",
                Map.of("rating", "down")).status()).isEqualTo(404);
        assertThat(as(other).delete("/api/v1/chat/" + sessionId).status()).isEqualTo(404);
        assertThat(as(other).get("/api/v1/chat").body()).isEmpty();
        assertThat(admin().get("/api/v1/chat/" + sessionId).status()).as("even the administrator's key")
                .isEqualTo(404);

        JsonNode mine = as(reader).get("/api/v1/chat/" + sessionId).body();
        assertThat(mine.path("messages")).hasSize(2);
        assertThat(mine.path("messages").get(1).path("feedback").isNull()).isTrue();
        assertThat(as(reader).delete("/api/v1/chat/" + sessionId).status()).isEqualTo(204);
        assertThat(as(reader).get("/api/v1/chat/" + sessionId).status()).isEqualTo(404);
    }

    @Test
    void feedbackRatesAnAnswerOfTheSessionAndShowsInIt() {
        JsonNode first = chat(admin(), Map.of("collection", COLLECTION, "message", LEAVE_QUESTION));
        String sessionId = first.path("sessionId").asString();
        String messageId = first.path("messageId").asString();
        JsonNode elsewhere = chat(admin(), Map.of("collection", COLLECTION, "message", "Who gives out laptops?"));
        String path = "/api/v1/chat/" + sessionId + "/messages/";

        Api.Response rated = admin().post(path + messageId + "/feedback", Map.of("rating", "down",
                "comment", "It is 25 days now"));

        assertThat(rated.status()).as(rated.raw()).isEqualTo(204);
        JsonNode feedback = admin().get("/api/v1/chat/" + sessionId).body().path("messages").get(1).path("feedback");
        assertThat(feedback.path("rating").asString()).isEqualTo("down");
        assertThat(feedback.path("comment").asString()).isEqualTo("It is 25 days now");
        assertThat(feedback.path("at").asString()).isNotBlank();
        Api.Response foreign = admin().post(path + elsewhere.path("messageId").asString() + "/feedback",
                Map.of("rating", "up"));
        assertThat(foreign.status()).isEqualTo(404);
        assertThat(foreign.problemType()).isEqualTo("chat-message-not-found");
        assertThat(admin().post(path + messageId + "/feedback", Map.of("rating", "meh")).status()).isEqualTo(400);
        assertThat(admin().post("/api/v1/chat/" + elsewhere.path("messageId").asString() + "/messages/" + messageId
                + "/feedback", Map.of("rating", "up")).status()).isEqualTo(404);
        assertThat(admin().get("/api/v1/chat/" + elsewhere.path("sessionId").asString()).body().path("messages")
                .get(1).path("feedback").isNull()).isTrue();

        Api.Response bad = admin().get("/api/v1/chat/feedback?rating=down");
        assertThat(bad.status()).as(bad.raw()).isEqualTo(200);
        JsonNode found = null;
        for (JsonNode down : bad.body()) {
            assertThat(down.path("feedback").path("rating").asString()).isEqualTo("down");
            if (down.path("messageId").asString().equals(messageId)) {
                found = down;
            }
        }
        assertThat(found).isNotNull();
        assertThat(found.path("question").asString()).isEqualTo(LEAVE_QUESTION);
        assertThat(found.path("answer").asString()).isEqualTo("Staff earn 13 days of annual leave [1].");
        assertThat(found.path("collection").asString()).isEqualTo(COLLECTION);
        assertThat(found.path("feedback").path("comment").asString()).isEqualTo("It is 25 days now");
        assertThat(found.path("citations").get(0).path("source").asString()).isEqualTo("leave.md");
        assertThat(admin().get("/api/v1/chat/feedback?rating=up").body().toString()).doesNotContain(messageId);
        assertThat(as(reader).get("/api/v1/chat/feedback").status()).isEqualTo(403);
        assertThat(admin().get("/api/v1/chat/feedback?rating=meh").status()).isEqualTo(400);
    }

    @Test
    void badInputIsRefusedAndStoresNothing() {
        String sessionId = chat(admin(), Map.of("collection", COLLECTION, "message", LEAVE_QUESTION))
                .path("sessionId").asString();
        int sessions = admin().get("/api/v1/chat").body().size();
        int before = MODEL.requests().size();

        assertThat(admin().post("/api/v1/chat", Map.of("collection", COLLECTION, "message", " ")).status())
                .isEqualTo(400);
        assertThat(admin().post("/api/v1/chat", Map.of("collection", COLLECTION)).status()).isEqualTo(400);
        assertThat(admin().post("/api/v1/chat", Map.of("sessionId", sessionId, "message", "")).status())
                .isEqualTo(400);
        Api.Response unknown = admin().post("/api/v1/chat", Map.of("sessionId",
                "00000000-0000-0000-0000-000000000001", "message", "and then?"));
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.problemType()).isEqualTo("chat-session-not-found");
        assertThat(admin().post("/api/v1/chat", Map.of("collection", "no-such-collection", "message",
                LEAVE_QUESTION)).status()).isEqualTo(404);
        assertThat(admin().post("/api/v1/chat", Map.of("sessionId", sessionId, "collection", "other",
                "message", "and then?")).status()).isEqualTo(400);
        assertThat(admin().get("/api/v1/chat/not-a-uuid").status()).isEqualTo(400);

        assertThat(admin().get("/api/v1/chat").body()).hasSize(sessions);
        assertThat(admin().get("/api/v1/chat/" + sessionId).body().path("messages")).hasSize(2);
        assertThat(MODEL.requests()).hasSize(before);
    }

    @Test
    void aTurnStreamsLikeAnAnswerAndAStreamThatFailsMidwayStoresNothing() {
        SseClientAccess.Stream stream = SseClientAccess.post(port, ADMIN_KEY, json, "/api/v1/chat",
                Map.of("collection", COLLECTION, "message", LEAVE_QUESTION));

        assertThat(stream.names()).startsWith("token").endsWith("done").doesNotContain("error");
        JsonNode done = stream.data().get(stream.data().size() - 1);
        String sessionId = done.path("sessionId").asString();
        assertThat(done.path("messageId").asString()).isNotBlank();
        assertThat(done.path("answer").asString()).isEqualTo("Staff earn 13 days of annual leave [1].");
        int sessions = admin().get("/api/v1/chat").body().size();

        MODEL.failMidway(ModelUnavailable.down("scripted", null));
        SseClientAccess.Stream failed = SseClientAccess.post(port, ADMIN_KEY, json, "/api/v1/chat",
                Map.of("sessionId", sessionId, "message", "and after three years?"));
        SseClientAccess.Stream failedNew = SseClientAccess.post(port, ADMIN_KEY, json, "/api/v1/chat",
                Map.of("collection", COLLECTION, "message", LEAVE_QUESTION));

        assertThat(failed.names()).contains("token").endsWith("error").doesNotContain("done");
        assertThat(failedNew.names()).endsWith("error").doesNotContain("done");
        assertThat(admin().get("/api/v1/chat/" + sessionId).body().path("messages")).hasSize(2);
        assertThat(admin().get("/api/v1/chat").body()).hasSize(sessions);
    }

    /**
     * Session lists and transcripts come a page at a time: the default page is what they always were, a smaller
     * {@code limit} pages sessions with a {@code Link rel="next"} and transcripts backwards with {@code before}.
     */
    @Test
    void sessionListsAndTranscriptsArePaged() {
        String key = admin().post("/api/v1/keys", Map.of("name", "chat-pager", "collections", List.of(COLLECTION),
                "permissions", List.of("read"))).body().path("key").asString();
        Api pager = as(key);
        String sessionId = chat(pager, Map.of("collection", COLLECTION, "message", "Annual leave?"))
                .path("sessionId").asString();
        chat(pager, Map.of("sessionId", sessionId, "message", "After three years?"));
        chat(pager, Map.of("sessionId", sessionId, "message", "Part-time?"));
        chat(pager, Map.of("collection", COLLECTION, "message", "Laptops?"));
        chat(pager, Map.of("collection", COLLECTION, "message", "Sick leave?"));

        Api.Response all = pager.get("/api/v1/chat");
        assertThat(all.body()).hasSize(3);
        assertThat(all.header("Link")).isNull();
        Api.Response first = pager.get("/api/v1/chat?limit=2");
        assertThat(first.body()).hasSize(2);
        assertThat(first.header("Link")).isEqualTo("</api/v1/chat?limit=2&offset=2>; rel=\"next\"");
        Api.Response rest = pager.get("/api/v1/chat?limit=2&offset=2");
        assertThat(rest.body()).hasSize(1);
        assertThat(rest.body().get(0).path("sessionId").asString()).isEqualTo(sessionId);
        assertThat(rest.header("Link")).isNull();

        JsonNode whole = pager.get("/api/v1/chat/" + sessionId).body();
        assertThat(whole.path("messages")).hasSize(6);
        assertThat(whole.path("hasMore").asBoolean()).isFalse();
        assertThat(whole.has("nextBefore")).isFalse();
        JsonNode latest = pager.get("/api/v1/chat/" + sessionId + "?limit=4").body();
        assertThat(latest.path("messages")).hasSize(4);
        assertThat(latest.path("messages").get(0).path("content").asString()).isEqualTo("After three years?");
        assertThat(latest.path("hasMore").asBoolean()).isTrue();
        assertThat(latest.path("nextBefore").asInt()).isEqualTo(2);
        JsonNode older = pager.get("/api/v1/chat/" + sessionId + "?limit=4&before=2").body();
        assertThat(older.path("messages")).hasSize(2);
        assertThat(older.path("messages").get(0).path("content").asString()).isEqualTo("Annual leave?");
        assertThat(older.path("hasMore").asBoolean()).isFalse();

        for (String bad : List.of("/api/v1/chat?limit=0", "/api/v1/chat?limit=1001", "/api/v1/chat?offset=-1",
                "/api/v1/chat/" + sessionId + "?before=-1", "/api/v1/chat/" + sessionId + "?limit=5000")) {
            assertThat(pager.get(bad).status()).as(bad).isEqualTo(400);
        }
    }

    private static JsonNode chat(Api api, Map<String, Object> body) {
        Api.Response response = api.post("/api/v1/chat", new HashMap<>(body));
        assertThat(response.status()).as(response.raw()).isEqualTo(200);
        return response.body();
    }

    private static String prompt(GenerationRequest request) {
        return request.messages().get(request.messages().size() - 1).content();
    }
}
