package dev.lore.documents;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Hostile documents made on the spot (nothing of the kind is checked in): PDFs whose page tree is nested very deep
 * or references one page a great many times, and a DOCX whose document part inflates a thousandfold. PDFBox reads
 * files without a cross-reference table by scanning for objects, which keeps these small.
 */
final class HostileFiles {

    private HostileFiles() {
    }

    /** A PDF whose page tree is a chain of {@code levels} nested page-tree nodes above a single page. */
    static byte[] deepPageTree(int levels) {
        StringBuilder pdf = new StringBuilder("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n");
        for (int n = 2; n < levels + 2; n++) {
            pdf.append(n).append(" 0 obj<</Type/Pages/Kids[").append(n + 1).append(" 0 R]/Count 1>>endobj\n");
        }
        pdf.append(levels + 2).append(" 0 obj<</Type/Page/MediaBox[0 0 612 792]>>endobj\n");
        return trailer(pdf).getBytes(StandardCharsets.US_ASCII);
    }

    /** A PDF with one page-tree node that lists the same page with text {@code references} times. */
    static byte[] manyPageReferences(int references) {
        String text = "BT /F1 12 Tf 72 700 Td (The same page, again and again.) Tj ET";
        StringBuilder pdf = new StringBuilder("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n")
                .append("2 0 obj<</Type/Pages/Count ").append(references).append("/Kids[");
        pdf.append("3 0 R ".repeat(references)).append("]>>endobj\n")
                .append("3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R")
                .append("/Resources<</Font<</F1 5 0 R>>>>>>endobj\n")
                .append("4 0 obj<</Length ").append(text.length()).append(">>stream\n").append(text)
                .append("\nendstream endobj\n")
                .append("5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n");
        return trailer(pdf).getBytes(StandardCharsets.US_ASCII);
    }

    private static String trailer(StringBuilder pdf) {
        return pdf.append("trailer<</Root 1 0 R>>\n%%EOF\n").toString();
    }

    /** A DOCX whose document part holds {@code paragraphs} identical paragraphs: megabytes from kilobytes. */
    static byte[] docxBomb(int paragraphs) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.setLevel(Deflater.BEST_COMPRESSION);
            entry(zip, "[Content_Types].xml", """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
                    <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
                    <Default Extension="xml" ContentType="application/xml"/>
                    <Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
                    </Types>""");
            entry(zip, "_rels/.rels", """
                    <?xml version="1.0" encoding="UTF-8"?>
                    <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
                    <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
                    </Relationships>""");
            zip.putNextEntry(new ZipEntry("word/document.xml"));
            zip.write(("<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w="
                    + "\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>")
                    .getBytes(StandardCharsets.UTF_8));
            byte[] paragraph = "<w:p><w:r><w:t>All work and no play makes a dull document.</w:t></w:r></w:p>"
                    .getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < paragraphs; i++) {
                zip.write(paragraph);
            }
            zip.write("</w:body></w:document>".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void entry(ZipOutputStream zip, String name, String text) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(text.getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
    }
}
