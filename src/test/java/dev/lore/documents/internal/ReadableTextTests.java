package dev.lore.documents.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import org.apache.poi.xwpf.usermodel.XWPFDocument;
import org.apache.poi.xwpf.usermodel.XWPFTable;
import org.junit.jupiter.api.Test;

import dev.lore.support.Fixtures;

import dev.lore.text.Sentences;

/**
 * Each format's text as a reader sees it: a link, emphasis or code span stays inside its sentence, soft wraps join,
 * list items and table rows are units (a row a sentence of "header: cell" pairs), headings go with their text, and a
 * PDF's hyphenated line ends are joined.
 */
class ReadableTextTests {

    private final DocumentParser parser = new DocumentParser(Clock.systemUTC());
    private final ParseLimits limits = new ParseLimits(1_000_000, Duration.ofSeconds(30));

    @Test
    void markdownLinksEmphasisAndCodeStayInsideTheirSentenceAndSoftWrapsJoin() throws Exception {
        List<String> sentences = sentences(DocumentFormat.MARKDOWN, """
                Before git will accept your key to sign a commit, the key must be listed in an
                [allowed signers file](https://example.org/signers). Projects
                often create _specific channels_ that end with `-partners`.
                If you work in DC and do not have a **locker** assigned to you, email
                [facilities](mailto:f@example.org) to get one.
                """);
        assertThat(sentences).containsExactly(
                "Before git will accept your key to sign a commit, the key must be listed in an allowed signers file.",
                "Projects often create specific channels that end with -partners.",
                "If you work in DC and do not have a locker assigned to you, email facilities to get one.");
    }

    @Test
    void markdownListItemsAreUnitsAndNestedItemsStayApart() throws Exception {
        List<String> sentences = sentences(DocumentFormat.MARKDOWN, """
                Partners may include:

                - Partners at federal agencies whose projects are under an
                  Interagency Agreement with TTS
                - Vendors _under contract_ with TTS
                  - including their subcontractors
                1. Create a channel
                2. Add partners
                """);
        assertThat(sentences).containsExactly("Partners may include:",
                "Partners at federal agencies whose projects are under an Interagency Agreement with TTS",
                "Vendors under contract with TTS", "including their subcontractors", "Create a channel",
                "Add partners");
    }

    @Test
    void markdownTableRowsReadAsSentencesOfHeaderAndCell() throws Exception {
        ParsedDocument parsed = parse(DocumentFormat.MARKDOWN, """
                # Meetings

                | Meeting | Purpose | Who |
                |---|---|---|
                | 18F Chapter meetings | To discuss chapter practices | Individual contributors, supervisors|
                | Team sync | | Everyone |
                """);
        assertThat(Sentences.split(String.join("\n", parsed.sections().get(0).blocks()))).containsExactly(
                "Meeting: 18F Chapter meetings; Purpose: To discuss chapter practices; Who: Individual contributors, "
                        + "supervisors.",
                "Meeting: Team sync; Who: Everyone.");
    }

    @Test
    void headingsGoWithTheTextUnderThemIntoEachChunk() throws Exception {
        ParsedDocument parsed = parse(DocumentFormat.MARKDOWN, """
                # Leave
                ## Sick leave
                It takes *two* weeks
                to approve.
                """);
        Chunk chunk = new Chunker(64, 8, ChunkerTests::wordStarts).chunk(parsed).get(0);
        assertThat(chunk.headingPath()).isEqualTo("Leave > Sick leave");
        assertThat(chunk.text()).isEqualTo("It takes two weeks to approve.");
        assertThat(chunk.embeddingText()).startsWith("Leave > Sick leave\n");
    }

    @Test
    void htmlInlineMarkupStaysInsideSentencesAndTablesReadAsRows() throws Exception {
        ParsedDocument parsed = parse(DocumentFormat.HTML, """
                <html><body><h1>Office</h1>
                <p>Lockers are <a href="/l">assigned
                by facilities</a>, e.g. Facilities
                staff in <em>DC</em>.<br>Call ahead.</p>
                <table><tr><th>Location</th><th>Address</th></tr>
                <tr><td>Washington, D.C.</td><td>1800 F St. NW</td></tr></table>
                </body></html>""");
        assertThat(Sentences.split(String.join("\n", parsed.sections().get(0).blocks()))).containsExactly(
                "Lockers are assigned by facilities, e.g. Facilities staff in DC.", "Call ahead.",
                "Location: Washington, D.C.; Address: 1800 F St. NW.");
    }

    @Test
    void pdfLinesJoinIntoSentencesAndHyphenatedLineEndsAreMended() throws Exception {
        ParsedDocument parsed = parser.parse(Fixtures.pdf("Employees who need a well-known form must send the infor-",
                "mation to their supervisor before the dead-", "line. A well-", "known form is the SF-50."),
                DocumentFormat.PDF, "f", limits);
        String text = String.join("\n", parsed.sections().stream().flatMap(s -> s.blocks().stream()).toList());
        assertThat(Sentences.split(text)).containsExactly(
                "Employees who need a well-known form must send the information to their supervisor before the "
                        + "deadline.",
                "A well-known form is the SF-50.");
    }

    @Test
    void docxTableRowsReadAsSentences() throws Exception {
        byte[] docx;
        try (XWPFDocument document = new XWPFDocument(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            document.createParagraph().createRun().setText("Leave types we offer, e.g. Annual leave.");
            XWPFTable table = document.createTable(2, 2);
            table.getRow(0).getCell(0).setText("Type");
            table.getRow(0).getCell(1).setText("Days");
            table.getRow(1).getCell(0).setText("Annual");
            table.getRow(1).getCell(1).setText("13");
            document.write(out);
            docx = out.toByteArray();
        }
        String text = String.join("\n", parser.parse(docx, DocumentFormat.DOCX, "f", limits).sections().stream()
                .flatMap(s -> s.blocks().stream()).toList());
        assertThat(Sentences.split(text)).contains("Leave types we offer, e.g. Annual leave.", "Type: Annual; Days: 13.");
    }

    @Test
    void plainTextSoftWrapsJoinButListLinesStay() throws Exception {
        assertThat(sentences(DocumentFormat.TEXT, """
                Staff earn leave every pay
                period. You may:
                - carry over 240 hours
                - ask for advanced leave
                """)).containsExactly("Staff earn leave every pay period.", "You may:", "carry over 240 hours",
                        "ask for advanced leave");
    }

    private List<String> sentences(DocumentFormat format, String text) throws UnreadableDocument {
        ParsedDocument parsed = parse(format, text);
        return Sentences.split(String.join("\n", parsed.sections().stream().flatMap(s -> s.blocks().stream())
                .toList()));
    }

    private ParsedDocument parse(DocumentFormat format, String text) throws UnreadableDocument {
        return parser.parse(text.getBytes(StandardCharsets.UTF_8), format, "fallback", limits);
    }
}
