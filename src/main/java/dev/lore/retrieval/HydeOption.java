package dev.lore.retrieval;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * A request's {@code hyde}, which takes two shapes: {@code true} or {@code false}, or an object of settings (any
 * left out take the configured defaults; an unknown one is refused).
 */
@Schema(description = "true for HyDE with the configured settings, or the settings themselves",
        oneOf = {Boolean.class, HydeOption.Settings.class})
public record HydeOption(@JsonIgnore boolean enabled, Integer documents, Boolean includeQuery, String prompt) {

    /** The object shape, for the API's schema. */
    @Schema(name = "HydeSettings")
    public record Settings(@Schema(description = "hypothetical passages to write, 1-16") Integer documents,
            @Schema(description = "whether the query's own embedding joins their average") Boolean includeQuery,
            @Schema(description = "the prompt that writes them, e.g. hyde-scientific") String prompt) {
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static HydeOption of(boolean enabled) {
        return new HydeOption(enabled, null, null, null);
    }

    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    static HydeOption of(@JsonProperty("documents") Integer documents,
            @JsonProperty("includeQuery") Boolean includeQuery, @JsonProperty("prompt") String prompt) {
        return new HydeOption(true, documents, includeQuery, prompt);
    }

    /** The settings to search with, or {@code null} for no HyDE. */
    public static HydeSettings settings(HydeOption option, HydeSettings defaults) {
        if (option == null || !option.enabled()) {
            return null;
        }
        return new HydeSettings(option.documents() == null ? defaults.documents() : option.documents(),
                option.includeQuery() == null || option.includeQuery(),
                option.prompt());
    }
}
