package dev.lore.models.openai;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Where the OpenAI-compatible backend is, under Spring AI's standard keys (Lore binds them itself: no Spring AI
 * starter is on the classpath); a base URL without {@code /v1} gets it appended.
 */
@ConfigurationProperties("spring.ai.openai")
record OpenAiProperties(@DefaultValue("https://api.openai.com") String baseUrl, String apiKey,
        @DefaultValue Chat chat) {

    /** {@code spring.ai.openai.chat.*}. */
    record Chat(@DefaultValue Options options) {
    }

    /** {@code spring.ai.openai.chat.options.*}. */
    record Options(String model) {
    }

    String model() {
        return chat.options().model();
    }

    /** The base URL the OpenAI SDK expects, ending in {@code /v1}. */
    String apiUrl() {
        String url = baseUrl.strip();
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        return url.endsWith("/v1") ? url : url + "/v1";
    }
}
