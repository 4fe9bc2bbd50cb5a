package dev.lore.models.ollama;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** Where the Ollama server is and which model to run, under Spring AI's standard {@code spring.ai.ollama.*} keys. */
@ConfigurationProperties("spring.ai.ollama")
record OllamaProperties(@DefaultValue("http://localhost:11434") String baseUrl, @DefaultValue Chat chat) {

    /** {@code spring.ai.ollama.chat.*}. */
    record Chat(@DefaultValue Options options) {
    }

    /** {@code spring.ai.ollama.chat.options.*}. */
    record Options(String model) {
    }

    String model() {
        return chat.options().model();
    }
}
