package dev.lore.documents.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import dev.lore.documents.ChunkOverlap;

/**
 * Reads a document back from the text of its stored chunks, for documents stored before Lore kept originals: the
 * chunks in order, each heading path's run of chunks one section, the overlap a cut section repeats at the start of
 * its next chunk taken out, and the text then read as plain text is ({@link TextParser}: soft wraps join, list lines
 * stay lines). What the old parser lost (a table's columns, say) stays lost.
 */
public final class StoredChunks {

    private static final String BETWEEN_UNITS = "\n\n";

    /** A stored chunk: its place in the document, heading path ("A > B") and text. */
    public record Stored(int ordinal, String headingPath, String text) {
    }

    private StoredChunks() {
    }

    public static ParsedDocument reassemble(String title, List<Stored> chunks) {
        List<Section> sections = new ArrayList<>();
        for (Run run : runs(chunks)) {
            addSection(sections, run.headingPath(), run.text(), title);
        }
        return new ParsedDocument(title, sections, Map.of());
    }

    /** A run of chunks under one heading path, read back as one text without the overlap between them. */
    public record Run(String headingPath, String text) {
    }

    /** The document's chunks in order as runs of text, one per heading path, each chunk's overlap taken out. */
    public static List<Run> runs(List<Stored> chunks) {
        List<Stored> ordered = chunks.stream().sorted(Comparator.comparingInt(Stored::ordinal)).toList();
        List<Run> runs = new ArrayList<>();
        String path = null;
        StringBuilder text = new StringBuilder();
        String previous = null;
        for (Stored chunk : ordered) {
            if (!chunk.headingPath().equals(path)) {
                if (path != null) {
                    runs.add(new Run(path, text.toString()));
                }
                path = chunk.headingPath();
                text.setLength(0);
                previous = null;
            }
            String body = previous == null ? chunk.text() : ChunkOverlap.withoutOverlap(previous, chunk.text());
            if (!text.isEmpty() && !body.isEmpty()) {
                text.append(BETWEEN_UNITS);
            }
            text.append(body);
            previous = chunk.text();
        }
        if (path != null) {
            runs.add(new Run(path, text.toString()));
        }
        return runs;
    }

    private static void addSection(List<Section> sections, String headingPath, String text, String title) {
        if (headingPath == null) {
            return;
        }
        List<Section> parsed = new TextParser().parse(text, title).sections();
        if (!parsed.isEmpty()) {
            List<String> headings = headingPath.isBlank() ? List.of() : List.of(headingPath.split(" > "));
            sections.add(new Section(headings, parsed.get(0).blocks()));
        }
    }
}
