package dev.lore.documents.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.TextNode;

/**
 * HTML (and the XHTML Tika makes of PDF and DOCX) to heading-aware sections with jsoup, as a reader sees them: a
 * block's inline text on one line ({@code <br>} starts another), a table row as one sentence of "header: cell" pairs.
 */
final class HtmlParser {

    private static final String BLOCKS = "h1,h2,h3,h4,h5,h6,p,li,pre,blockquote,table,dt,dd,figcaption,caption";
    private static final Set<String> CONTAINERS = Set.of("p", "li", "pre", "blockquote", "table", "dt", "dd",
            "figcaption", "caption");
    // jsoup's text() folds every whitespace character, newlines included; this one it keeps, so a <br> survives
    private static final String LINE_BREAK = "\u2028";

    /** What a walk over a page's blocks meets, in reading order. */
    private interface Blocks {

        void heading(int level, String text);

        void block(String text);
    }

    ParsedDocument parse(String html, String fallbackTitle) {
        Document document = Jsoup.parse(TemplateMarkup.strip(html));
        document.select("script, style, noscript, template, nav, svg").remove();
        Element body = document.body();
        SectionBuilder sections = new SectionBuilder();
        String[] firstHeading = new String[1];
        int blocks = walk(body, new Blocks() {
            @Override
            public void heading(int level, String text) {
                if (firstHeading[0] == null && !text.isEmpty()) {
                    firstHeading[0] = text;
                }
                sections.heading(level, text);
            }

            @Override
            public void block(String text) {
                sections.block(text);
            }
        });
        if (blocks == 0) {
            sections.block(text(body));
        }
        String title = document.title().isBlank() ? (firstHeading[0] != null ? firstHeading[0] : fallbackTitle)
                : document.title().strip();
        return new ParsedDocument(title, sections.build(), Map.of());
    }

    /** A fragment's readable text, its blocks (headings included) one to a line; for HTML inside Markdown. */
    static String readable(Element root) {
        List<String> lines = new ArrayList<>();
        int blocks = walk(root, new Blocks() {
            @Override
            public void heading(int level, String text) {
                block(text);
            }

            @Override
            public void block(String text) {
                if (!text.isBlank()) {
                    lines.add(text.strip());
                }
            }
        });
        return blocks == 0 ? text(root) : String.join("\n", lines);
    }

    private static int walk(Element root, Blocks out) {
        int blocks = 0;
        for (Element element : root.select(BLOCKS)) {
            if (insideContainer(element, root)) {
                continue;
            }
            String name = element.normalName();
            if (name.length() == 2 && name.charAt(0) == 'h' && Character.isDigit(name.charAt(1))) {
                out.heading(name.charAt(1) - '0', text(element).replace('\n', ' '));
            }
            else {
                out.block(switch (name) {
                    case "pre" -> element.wholeText();
                    case "table" -> table(element);
                    default -> text(element);
                });
                blocks++;
            }
        }
        return blocks;
    }

    /** An element's text with whitespace folded and its {@code <br>}s as line breaks. */
    static String text(Element element) {
        Element copy = element.clone();
        copy.select("br").forEach(br -> br.replaceWith(new TextNode(LINE_BREAK)));
        return ReadableText.tidy(copy.text().replace(LINE_BREAK, "\n"));
    }

    /**
     * Each row one sentence; the header row (th cells, or a thead) names the cells below it. A table that marks no
     * header (DOCX and PDF tables come out of Tika so) takes its first row as the header, as most tables are written.
     */
    private static String table(Element table) {
        List<String> headers = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        List<Element> tableRows = table.select("tr").stream().filter(row -> row.closest("table") == table).toList();
        boolean marked = tableRows.stream().anyMatch(row -> !row.select("> th").isEmpty()
                || row.parent() != null && row.parent().normalName().equals("thead"));
        for (Element row : tableRows) {
            List<String> cells = new ArrayList<>();
            boolean header = row.parent() != null && row.parent().normalName().equals("thead");
            boolean allHeaders = true;
            for (Element cell : row.children()) {
                if (cell.normalName().equals("td") || cell.normalName().equals("th")) {
                    cells.add(text(cell).replace('\n', ' '));
                    allHeaders &= cell.normalName().equals("th");
                }
            }
            if (cells.isEmpty()) {
                continue;
            }
            boolean first = rows.isEmpty() && headers.isEmpty();
            if (first && (header || allHeaders || !marked && tableRows.size() > 1)) {
                headers = cells;
            }
            else {
                String sentence = ReadableText.row(headers, cells);
                if (!sentence.isEmpty()) {
                    rows.add(sentence);
                }
            }
        }
        return String.join("\n", rows);
    }

    private static boolean insideContainer(Element element, Element root) {
        for (Element parent = element.parent(); parent != null && parent != root; parent = parent.parent()) {
            if (CONTAINERS.contains(parent.normalName())) {
                return true;
            }
        }
        return false;
    }
}
