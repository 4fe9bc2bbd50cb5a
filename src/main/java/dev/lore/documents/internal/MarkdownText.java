package dev.lore.documents.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.commonmark.ext.gfm.tables.TableBlock;
import org.commonmark.ext.gfm.tables.TableCell;
import org.commonmark.ext.gfm.tables.TableHead;
import org.commonmark.ext.gfm.tables.TableRow;
import org.commonmark.node.BlockQuote;
import org.commonmark.node.BulletList;
import org.commonmark.node.Code;
import org.commonmark.node.FencedCodeBlock;
import org.commonmark.node.HardLineBreak;
import org.commonmark.node.HtmlBlock;
import org.commonmark.node.HtmlInline;
import org.commonmark.node.IndentedCodeBlock;
import org.commonmark.node.LinkReferenceDefinition;
import org.commonmark.node.ListBlock;
import org.commonmark.node.ListItem;
import org.commonmark.node.Node;
import org.commonmark.node.OrderedList;
import org.commonmark.node.Paragraph;
import org.commonmark.node.SoftLineBreak;
import org.commonmark.node.Text;
import org.commonmark.node.ThematicBreak;
import org.jsoup.Jsoup;

/**
 * A commonmark tree as a reader sees it. commonmark's own text renderer puts each inline node's text where the
 * source had it, so a paragraph kept its soft wraps and the words around a link, emphasis or code span could end up
 * on lines of their own, which every later step then took for sentence ends. Here inline text stays inside its
 * sentence (link and emphasis text kept, URLs and inline HTML tags dropped), a paragraph is one line, each list item
 * is one line ("- " or "1. ", nested ones indented), a table row is one sentence of "header: cell" pairs, and code
 * blocks keep their lines.
 */
final class MarkdownText {

    private MarkdownText() {
    }

    /** The blocks a top-level node contributes, in reading order. */
    static List<String> blocks(Node node) {
        List<String> blocks = new ArrayList<>();
        if (node instanceof Paragraph) {
            add(blocks, inline(node));
        }
        else if (node instanceof ListBlock list) {
            List<String> lines = new ArrayList<>();
            listLines(list, 0, lines);
            add(blocks, String.join("\n", lines));
        }
        else if (node instanceof TableBlock table) {
            add(blocks, table(table));
        }
        else if (node instanceof BlockQuote) {
            for (Node child = node.getFirstChild(); child != null; child = child.getNext()) {
                blocks.addAll(blocks(child));
            }
        }
        else if (node instanceof FencedCodeBlock code) {
            add(blocks, code.getLiteral().stripTrailing());
        }
        else if (node instanceof IndentedCodeBlock code) {
            add(blocks, code.getLiteral().stripTrailing());
        }
        else if (node instanceof HtmlBlock html) {
            add(blocks, HtmlParser.readable(Jsoup.parseBodyFragment(html.getLiteral()).body()));
        }
        else if (!(node instanceof ThematicBreak) && !(node instanceof LinkReferenceDefinition)) {
            add(blocks, inline(node));
        }
        return blocks;
    }

    /** The text of a node's inline content on one line; hard line breaks (and {@code <br>}) start a new line. */
    static String inline(Node node) {
        StringBuilder text = new StringBuilder();
        appendInline(node, text);
        return ReadableText.tidy(text.toString());
    }

    private static void appendInline(Node node, StringBuilder text) {
        for (Node child = node.getFirstChild(); child != null; child = child.getNext()) {
            if (child instanceof Text literal) {
                text.append(literal.getLiteral());
            }
            else if (child instanceof Code code) {
                text.append(code.getLiteral());
            }
            else if (child instanceof SoftLineBreak) {
                text.append(' ');
            }
            else if (child instanceof HardLineBreak) {
                text.append('\n');
            }
            else if (child instanceof HtmlInline html) {
                if (html.getLiteral().toLowerCase(Locale.ROOT).matches("<br\\s*/?>")) {
                    text.append('\n');
                }
            }
            else if (child instanceof Paragraph) {
                // a paragraph inside a list item or table cell: its sentences go on the same line
                text.append(text.isEmpty() ? "" : " ");
                appendInline(child, text);
            }
            else if (!(child instanceof ListBlock)) {
                // emphasis, links and images: their text in place
                appendInline(child, text);
            }
        }
    }

    private static void listLines(ListBlock list, int depth, List<String> lines) {
        int number = list instanceof OrderedList ordered && ordered.getMarkerStartNumber() != null
                ? ordered.getMarkerStartNumber() : 1;
        for (Node item = list.getFirstChild(); item != null; item = item.getNext()) {
            if (!(item instanceof ListItem)) {
                continue;
            }
            String marker = list instanceof BulletList ? "- " : number++ + ". ";
            StringBuilder text = new StringBuilder();
            appendInline(item, text);
            String line = ReadableText.tidy(text.toString()).replace('\n', ' ');
            if (!line.isEmpty()) {
                lines.add("  ".repeat(depth) + marker + line);
            }
            for (Node child = item.getFirstChild(); child != null; child = child.getNext()) {
                if (child instanceof ListBlock nested) {
                    listLines(nested, depth + 1, lines);
                }
            }
        }
    }

    private static String table(TableBlock table) {
        List<String> headers = new ArrayList<>();
        List<String> rows = new ArrayList<>();
        for (Node part = table.getFirstChild(); part != null; part = part.getNext()) {
            for (Node row = part.getFirstChild(); row != null; row = row.getNext()) {
                if (!(row instanceof TableRow)) {
                    continue;
                }
                List<String> cells = new ArrayList<>();
                for (Node cell = row.getFirstChild(); cell != null; cell = cell.getNext()) {
                    if (cell instanceof TableCell) {
                        cells.add(inline(cell).replace('\n', ' '));
                    }
                }
                if (part instanceof TableHead) {
                    headers = cells;
                }
                else {
                    String sentence = ReadableText.row(headers, cells);
                    if (!sentence.isEmpty()) {
                        rows.add(sentence);
                    }
                }
            }
        }
        return String.join("\n", rows);
    }

    private static void add(List<String> blocks, String block) {
        if (block != null && !block.isBlank()) {
            blocks.add(block);
        }
    }
}
