package dev.lore.documents.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

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
 * through Apache Tika's XHTML (which keeps DOCX headings). */
@Component
public class DocumentParser {

    private final MarkdownParser markdown = new MarkdownParser();
    private final HtmlParser html = new HtmlParser();
    private final TextParser text = new TextParser();

    public ParsedDocument parse(byte[] bytes, DocumentFormat format, String fallbackTitle) throws UnreadableDocument {
        ParsedDocument parsed = switch (format) {
            case MARKDOWN -> markdown.parse(decode(bytes), fallbackTitle);
            case TEXT -> text.parse(decode(bytes), fallbackTitle);
            case HTML -> html.parse(decode(bytes), fallbackTitle);
            case PDF -> viaTika(new PDFParser(), bytes, "PDF", fallbackTitle);
            case DOCX -> viaTika(new OOXMLParser(), bytes, "DOCX", fallbackTitle);
        };
        if (parsed.isEmpty()) {
            throw new UnreadableDocument("The document contains no text that could be extracted.");
        }
        return parsed;
    }

    private ParsedDocument viaTika(org.apache.tika.parser.Parser parser, byte[] bytes, String kind,
            String fallbackTitle) throws UnreadableDocument {
        ToXMLContentHandler handler = new ToXMLContentHandler();
        Metadata metadata = new Metadata();
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            parser.parse(in, handler, metadata, new ParseContext());
        }
        catch (IOException | SAXException | TikaException | RuntimeException e) {
            throw new UnreadableDocument("Could not parse the " + kind + ": " + rootMessage(e), e);
        }
        ParsedDocument parsed = html.parse(handler.toString(), fallbackTitle);
        String title = metadata.get(TikaCoreProperties.TITLE);
        return title == null || title.isBlank() ? parsed
                : new ParsedDocument(title.strip(), parsed.sections(), parsed.metadata());
    }

    private static String decode(byte[] bytes) throws UnreadableDocument {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        }
        catch (CharacterCodingException e) {
            throw new UnreadableDocument("The document is not valid UTF-8 text.", e);
        }
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
