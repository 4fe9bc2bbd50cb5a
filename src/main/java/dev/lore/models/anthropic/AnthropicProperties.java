package dev.lore.models.anthropic;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** The Anthropic API and model, under Spring AI's standard {@code spring.ai.anthropic.*} keys. */
@ConfigurationProperties("spring.ai.anthropic")
record AnthropicProperties(@DefaultValue("https://api.anthropic.com") String baseUrl, String apiKey,
        @DefaultValue Chat chat) {

    /** {@code spring.ai.anthropic.chat.*}. */
    record Chat(@DefaultValue Options options) {
    }

    /** {@code spring.ai.anthropic.chat.options.*}; Anthropic requires a token limit, 1024 unless a call sets one. */
    record Options(String model, @DefaultValue("1024") int maxTokens) {
    }

    String model() {
        return chat.options().model();
    }
}
