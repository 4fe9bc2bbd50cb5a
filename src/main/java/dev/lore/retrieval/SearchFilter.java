package dev.lore.retrieval;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.swagger.v3.oas.annotations.media.Schema;

import dev.lore.web.LoreException;

/**
 * Narrows a search to some sources, documents, or documents whose metadata contains the given fields. A request's
 * {@code filter} object reads straight into it ({@code source} and {@code documentId}: one value or a list;
 * {@code metadata}: an object; any other field is refused), and the explain trace writes it with the same names.
 */
public record SearchFilter(
        @JsonProperty("source") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        @Schema(description = "one source or a list of them") List<String> sources,
        @JsonProperty("documentId") @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        @Schema(description = "one document id or a list of them") List<UUID> documentIds,
        @Schema(description = "fields the documents' metadata must hold, with these values") Map<String, Object> metadata) {

    public static final SearchFilter NONE = new SearchFilter(List.of(), List.of(), Map.of());

    public SearchFilter {
        sources = present(sources, "filter.source");
        documentIds = present(documentIds, "filter.documentId");
        metadata = metadata == null ? Map.of() : metadata;
        metadata.forEach((field, value) -> {
            if (value == null) {
                throw LoreException.invalid("filter.metadata." + field + " is null: a metadata filter matches "
                        + "documents whose field holds the given value; leave the field out to match any value");
            }
        });
        metadata = Map.copyOf(metadata);
    }

    /** The filter a request gave, or none. */
    public static SearchFilter orNone(SearchFilter filter) {
        return filter == null ? NONE : filter;
    }

    public boolean isEmpty() {
        return sources.isEmpty() && documentIds.isEmpty() && metadata.isEmpty();
    }

    private static <T> List<T> present(List<T> values, String name) {
        if (values == null) {
            return List.of();
        }
        if (values.stream().anyMatch(java.util.Objects::isNull)) {
            throw LoreException.invalid(name + " must not hold null");
        }
        return List.copyOf(values);
    }
}
