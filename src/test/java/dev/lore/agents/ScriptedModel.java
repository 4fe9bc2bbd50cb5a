package dev.lore.agents;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.lore.models.backend.FakeHttpServer;
import tools.jackson.databind.json.JsonMapper;

/**
 * Chat completions as an OpenAI-compatible server writes them, for {@link FakeHttpServer} scripts: plain text, or
 * text spelled out token by token with each token's log-probability and alternatives.
 */
final class ScriptedModel {

    static final String CHAT = "/v1/chat/completions";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One generated token, its probability, and the alternatives' probabilities (token to probability). */
    record Token(String text, double p, Map<String, Double> alternatives) {

        static Token of(String text) {
            return new Token(text, 0.99, Map.of());
        }
    }

    private ScriptedModel() {
    }

    static FakeHttpServer.Response text(String content) {
        return FakeHttpServer.json(200, completion(content, null));
    }

    static FakeHttpServer.Response tokens(Token... tokens) {
        StringBuilder content = new StringBuilder();
        List<Map<String, Object>> logprobs = new ArrayList<>();
        for (Token token : tokens) {
            content.append(token.text());
            List<Map<String, Object>> top = new ArrayList<>();
            top.add(Map.of("token", token.text(), "logprob", Math.log(token.p()), "bytes", List.of()));
            token.alternatives().forEach((text, p) -> top.add(Map.of("token", text, "logprob", Math.log(p),
                    "bytes", List.of())));
            logprobs.add(Map.of("token", token.text(), "logprob", Math.log(token.p()), "bytes", List.of(),
                    "top_logprobs", top));
        }
        return FakeHttpServer.json(200, completion(content.toString(), Map.of("content", logprobs)));
    }

    /** Tokens for a text without alternatives: one token per character. */
    static Token[] spelled(String text) {
        return text.chars().mapToObj(c -> Token.of(String.valueOf((char) c))).toArray(Token[]::new);
    }

    private static String completion(String content, Object logprobs) {
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        choice.put("message", Map.of("role", "assistant", "content", content));
        choice.put("logprobs", logprobs);
        choice.put("finish_reason", "stop");
        return JSON.writeValueAsString(Map.of("id", "c", "object", "chat.completion", "created", 1,
                "model", "gpt-test", "choices", List.of(choice),
                "usage", Map.of("prompt_tokens", 40, "completion_tokens", 6, "total_tokens", 46)));
    }
}
