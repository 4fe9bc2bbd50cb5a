package dev.lore.documents.internal;

import java.util.ArrayList;
import java.util.List;

/** Collects blocks under the current heading path as a parser walks a document in reading order. */
final class SectionBuilder {

    private final List<Section> sections = new ArrayList<>();
    private final String[] path = new String[6];
    private List<String> blocks = new ArrayList<>();

    void heading(int level, String text) {
        flush();
        int index = Math.max(1, Math.min(6, level)) - 1;
        path[index] = text;
        for (int i = index + 1; i < path.length; i++) {
            path[i] = null;
        }
    }

    void block(String text) {
        String normalised = text == null ? "" : text.replace('\u00A0', ' ').strip();
        if (!normalised.isEmpty()) {
            blocks.add(normalised);
        }
    }

    List<Section> build() {
        flush();
        return List.copyOf(sections);
    }

    private void flush() {
        if (!blocks.isEmpty()) {
            List<String> headings = new ArrayList<>();
            for (String heading : path) {
                if (heading != null && !heading.isBlank()) {
                    headings.add(heading);
                }
            }
            sections.add(new Section(headings, blocks));
        }
        blocks = new ArrayList<>();
    }
}
