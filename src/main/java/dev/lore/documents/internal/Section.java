package dev.lore.documents.internal;

import java.util.List;

/** A run of text under one heading path; blocks are paragraphs, list items or table rows in reading order. */
public record Section(List<String> headings, List<String> blocks) {

    public Section {
        headings = List.copyOf(headings);
        blocks = List.copyOf(blocks);
    }

    public String headingPath() {
        return String.join(" > ", headings);
    }
}
