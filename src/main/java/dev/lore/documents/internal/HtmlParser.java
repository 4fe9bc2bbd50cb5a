package dev.lore.documents.internal;

import java.util.Map;
import java.util.Set;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/** HTML (and the XHTML Tika makes of PDF and DOCX) to heading-aware sections with jsoup. */
final class HtmlParser {

    private static final String BLOCKS = "h1,h2,h3,h4,h5,h6,p,li,pre,blockquote,td,th,dt,dd,figcaption,caption";
    private static final Set<String> CONTAINERS = Set.of("p", "li", "pre", "blockquote", "td", "th", "dt", "dd",
            "figcaption", "caption");

    ParsedDocument parse(String html, String fallbackTitle) {
        Document document = Jsoup.parse(TemplateMarkup.strip(html));
        document.select("script, style, noscript, template, nav, svg").remove();
        Element body = document.body();
        SectionBuilder sections = new SectionBuilder();
        String firstHeading = null;
        int blocks = 0;
        for (Element element : body.select(BLOCKS)) {
            if (insideContainer(element)) {
                continue;
            }
            String name = element.normalName();
            if (name.length() == 2 && name.charAt(0) == 'h' && Character.isDigit(name.charAt(1))) {
                String text = element.text().strip();
                if (firstHeading == null && !text.isEmpty()) {
                    firstHeading = text;
                }
                sections.heading(name.charAt(1) - '0', text);
            }
            else {
                sections.block(name.equals("pre") ? element.wholeText() : element.text());
                blocks++;
            }
        }
        if (blocks == 0) {
            sections.block(body.text());
        }
        String title = document.title().isBlank() ? (firstHeading != null ? firstHeading : fallbackTitle)
                : document.title().strip();
        return new ParsedDocument(title, sections.build(), Map.of());
    }

    private static boolean insideContainer(Element element) {
        for (Element parent = element.parent(); parent != null; parent = parent.parent()) {
            if (CONTAINERS.contains(parent.normalName())) {
                return true;
            }
        }
        return false;
    }
}
