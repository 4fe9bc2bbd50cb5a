package dev.lore.models;

import java.util.Map;
import java.util.Objects;

import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * A JSON schema an answer must match, for backends that enforce one (OpenAI-compatible {@code response_format},
 * Ollama {@code format}, Anthropic structured output): {@code name} names it on the wire ({@code [a-zA-Z0-9_-]}),
 * {@code json} is the schema's text, a JSON object.
 */
public record ResponseSchema(String name, String json) {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };

    public ResponseSchema {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(json, "json");
        if (!name.matches("[a-zA-Z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("a schema's name is 1 to 64 of a-z, A-Z, 0-9, _ and -, was " + name);
        }
        asMap(name, json);
    }

    /** The schema as JSON values (maps, lists, strings, numbers, booleans), for clients that take an object. */
    public Map<String, Object> asMap() {
        return asMap(name, json);
    }

    private static Map<String, Object> asMap(String name, String json) {
        try {
            Map<String, Object> schema = JSON.readValue(json, OBJECT);
            if (schema == null) {
                throw new IllegalArgumentException("schema '" + name + "' is not a JSON object");
            }
            return schema;
        }
        catch (JacksonException e) {
            throw new IllegalArgumentException("schema '" + name + "' is not a JSON object: " + e.getOriginalMessage(),
                    e);
        }
    }
}
