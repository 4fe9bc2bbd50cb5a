package dev.lore.documents.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.time.Clock;

import org.apache.poi.openxml4j.util.ZipSecureFile;
import org.apache.tika.exception.TikaException;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.parser.ParseContext;
import org.apache.tika.parser.microsoft.ooxml.OOXMLParser;
import org.apache.tika.parser.pdf.PDFParser;
import org.apache.tika.sax.ToXMLContentHandler;
import org.springframework.stereotype.Component;
import org.xml.sax.SAXException;

/** Parses an uploaded document of a known format into sections: Markdown and HTML by structure, PDF and DOCX
 * through Apache Tika's XHTML (which keeps DOCX headings), within {@link ParseLimits}. */
@Component
public class DocumentParser {

    private final MarkdownParser markdown = new MarkdownParser();
    private final HtmlParser html = new HtmlParser();
    private final TextParser text = new TextParser();

    private final Clock clock;

    public DocumentParser(Clock clock) {
        this.clock = clock;
    }

    /**
     * Sets the JVM-wide limits POI applies when it opens a DOCX (a zip): the smallest compressed-to-inflated ratio,
     * which turns a zip bomb into an exception before it expands, and the largest entry. Tika's
     * {@code OOXMLParser} switches the ratio check off when its class initialises, so it is loaded first.
     */
    public static void limitZipArchives(double minInflateRatio, long maxEntrySize) {
        try {
            Class.forName(OOXMLParser.class.getName(), true, DocumentParser.class.getClassLoader());
        }
        catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        ZipSecureFile.setMinInflateRatio(minInflateRatio);
        ZipSecureFile.setMaxEntrySize(maxEntrySize);
    }

    public ParsedDocument parse(byte[] bytes, DocumentFormat format, String fallbackTitle, ParseLimits limits)
            throws UnreadableDocument {
        ParsedDocument parsed = switch (format) {
            case MARKDOWN -> markdown.parse(decode(bytes, limits), fallbackTitle);
            case TEXT -> text.parse(decode(bytes, limits), fallbackTitle);
            case HTML -> html.parse(decode(bytes, limits), fallbackTitle);
            case PDF -> viaTika(new PDFParser(), bytes, "PDF", fallbackTitle, limits);
            case DOCX -> viaTika(new OOXMLParser(), bytes, "DOCX", fallbackTitle, limits);
        };
        if (parsed.isEmpty()) {
            throw new UnreadableDocument("The document contains no text that could be extracted.");
        }
        return parsed;
    }

    private ParsedDocument viaTika(org.apache.tika.parser.Parser parser, byte[] bytes, String kind,
            String fallbackTitle, ParseLimits limits) throws UnreadableDocument {
        ToXMLContentHandler xhtml = new ToXMLContentHandler();
        LimitedContentHandler handler = new LimitedContentHandler(xhtml, limits.maxCharacters(),
                limits.deadlineFrom(clock.instant()), clock);
        Metadata metadata = new Metadata();
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            parser.parse(in, handler, metadata, new ParseContext());
        }
        catch (IOException | SAXException | TikaException | RuntimeException e) {
            LimitedContentHandler.LimitExceeded limit = handler.exceeded();
            if (limit != null) {
                throw new UnreadableDocument(limit.getMessage(), e);
            }
            throw new UnreadableDocument("Could not parse the " + kind + ": " + rootMessage(e), e);
        }
        String extracted = withoutNul(xhtml.toString());
        // a PDF's lines are where the typesetter broke them: words hyphenated across lines are joined back before
        // the line breaks inside a paragraph become spaces
        ParsedDocument parsed = html.parse(parser instanceof PDFParser ? Hyphenation.join(extracted) : extracted,
                fallbackTitle);
        String title = metadata.get(TikaCoreProperties.TITLE);
        return title == null || title.isBlank() ? parsed
                : new ParsedDocument(withoutNul(title).strip(), parsed.sections(), parsed.metadata());
    }

    private static String decode(byte[] bytes, ParseLimits limits) throws UnreadableDocument {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        }
        catch (CharacterCodingException e) {
            throw new UnreadableDocument("The document is not valid UTF-8 text.", e);
        }
        if (text.length() > limits.maxCharacters()) {
            throw new UnreadableDocument(LimitedContentHandler.tooMuchText(limits.maxCharacters()));
        }
        return withoutNul(text);
    }

    /** PostgreSQL's text cannot hold NUL; it carries no meaning in a document's prose. */
    private static String withoutNul(String text) {
        return text.indexOf('\0') < 0 ? text : text.replace("\0", "");
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return message.length() > 300 ? message.substring(0, 300) + "..." : message;
    }
}
