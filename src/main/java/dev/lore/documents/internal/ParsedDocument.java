package dev.lore.documents.internal;

import java.util.List;
import java.util.Map;

/** A document reduced to its title, prose sections and metadata found inside it (front matter). */
public record ParsedDocument(String title, List<Section> sections, Map<String, Object> metadata) {

    public ParsedDocument {
        sections = List.copyOf(sections);
        metadata = Map.copyOf(metadata);
    }

    public boolean isEmpty() {
        return sections.stream().allMatch(s -> s.blocks().stream().allMatch(String::isBlank));
    }
}
