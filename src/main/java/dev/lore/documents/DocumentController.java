package dev.lore.documents;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import dev.lore.documents.internal.DocumentFormat;
import dev.lore.web.LoreException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Upload (multipart files or a JSON document), list and delete documents; follow ingestions. */
@RestController
@Tag(name = "Documents")
@Validated
class DocumentController {

    private final Ingestions ingestions;
    private final Documents documents;
    private final DocumentsProperties properties;
    private final JsonMapper json;
    private final Reembedding reembedding;
    private final Rechunking rechunking;

    DocumentController(Ingestions ingestions, Documents documents, DocumentsProperties properties, JsonMapper json,
            Reembedding reembedding, Rechunking rechunking) {
        this.reembedding = reembedding;
        this.rechunking = rechunking;
        this.ingestions = ingestions;
        this.documents = documents;
        this.properties = properties;
        this.json = json;
    }

    record JsonDocument(@Size(max = 500) String title, @NotBlank String text, @Size(max = 1000) String source,
            Map<String, Object> metadata) {
    }

    @Operation(summary = "Upload files (md, txt, html, pdf, docx) for ingestion")
    @PostMapping(path = "/api/v1/collections/{name}/documents", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @ResponseStatus(HttpStatus.ACCEPTED)
    Ingestions.Accepted upload(@PathVariable String name,
            @RequestPart(name = "file", required = false) List<MultipartFile> files,
            @RequestPart(name = "metadata", required = false) String metadata) {
        if (files == null || files.isEmpty()) {
            throw LoreException.invalid("Send one or more 'file' parts");
        }
        if (files.size() > properties.maxFilesPerRequest()) {
            throw LoreException.invalid("At most " + properties.maxFilesPerRequest() + " files per request");
        }
        if (metadata != null) {
            checkMetadataSize(metadata.getBytes(StandardCharsets.UTF_8).length);
        }
        Map<String, Object> shared = parseMetadata(metadata);
        List<Upload> uploads = new ArrayList<>();
        for (MultipartFile file : files) {
            String filename = file.getOriginalFilename() == null ? "" : file.getOriginalFilename().replace("\0", "");
            String source = filename.isBlank() ? "upload" : filename;
            DocumentFormat format = DocumentFormat.of(source, file.getContentType())
                    .orElseThrow(() -> LoreException.unsupportedMediaType("'" + source
                            + "' is not a supported document (md, txt, html, pdf, docx)"));
            if (file.isEmpty()) {
                throw LoreException.badRequest("empty-document", "Empty document", "'" + source + "' is empty");
            }
            checkSize(source, file.getSize());
            uploads.add(new Upload(source, null, format, bytes(file), shared));
        }
        return ingestions.submit(name, uploads);
    }

    @Operation(summary = "Upload one document as JSON text for ingestion")
    @PostMapping(path = "/api/v1/collections/{name}/documents", consumes = MediaType.APPLICATION_JSON_VALUE)
    @ResponseStatus(HttpStatus.ACCEPTED)
    Ingestions.Accepted uploadJson(@PathVariable String name, @Valid @RequestBody JsonDocument document) {
        byte[] bytes = document.text().getBytes(StandardCharsets.UTF_8);
        String title = document.title() == null || document.title().isBlank() ? null : document.title().strip();
        String source = document.source() != null && !document.source().isBlank() ? document.source().strip()
                : title != null ? title : "document-" + Ingestions.sha256(bytes).substring(0, 12) + ".txt";
        checkSize(source, bytes.length);
        DocumentFormat format = DocumentFormat.of(source, null)
                .filter(f -> f == DocumentFormat.MARKDOWN || f == DocumentFormat.HTML)
                .orElse(DocumentFormat.TEXT);
        Map<String, Object> metadata = document.metadata() == null ? Map.of() : document.metadata();
        checkMetadataSize(json.writeValueAsBytes(metadata).length);
        return ingestions.submit(name, List.of(new Upload(source, title, format, bytes, metadata)));
    }

    @Operation(summary = "List stored documents, oldest first, a page at a time")
    @GetMapping("/api/v1/collections/{name}/documents")
    List<Documents.DocumentSummary> list(@PathVariable String name,
            @RequestParam(defaultValue = "1000") @Min(1) @Max(10000) int limit,
            @RequestParam(defaultValue = "0") @Min(0) int offset) {
        return documents.list(name, limit, offset);
    }

    @Operation(summary = "One document: stored, or the state of its upload")
    @GetMapping("/api/v1/collections/{name}/documents/{id}")
    Documents.DocumentView document(@PathVariable String name, @PathVariable UUID id) {
        return documents.get(name, id);
    }

    @Operation(summary = "Delete a document and its chunks")
    @DeleteMapping("/api/v1/collections/{name}/documents/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(@PathVariable String name, @PathVariable UUID id) {
        documents.delete(name, id);
    }

    @Operation(summary = "An ingestion's progress, per document")
    @GetMapping("/api/v1/ingestions/{id}")
    Ingestions.Status ingestion(@PathVariable UUID id) {
        return ingestions.status(id);
    }

    @Operation(summary = "A re-embedding job's progress")
    @GetMapping("/api/v1/reembeddings/{id}")
    Reembedding.Job reembedding(@PathVariable UUID id) {
        return reembedding.status(id);
    }

    @Operation(summary = "A rechunking job's progress")
    @GetMapping("/api/v1/rechunkings/{id}")
    Rechunking.Job rechunking(@PathVariable UUID id) {
        return rechunking.status(id);
    }

    private void checkSize(String source, long size) {
        if (size > properties.maxFileSize().toBytes()) {
            throw LoreException.tooLarge("'" + source + "' is " + size + " bytes; the limit is "
                    + properties.maxFileSize().toBytes() + " bytes (lore.documents.max-file-size)");
        }
    }

    /** Metadata is stored once per document, but it is still held in memory and sent back: it stays small. */
    private void checkMetadataSize(long size) {
        if (size > properties.maxMetadataSize().toBytes()) {
            throw LoreException.tooLarge("The metadata is " + size + " bytes; the limit is "
                    + properties.maxMetadataSize().toBytes() + " bytes (lore.documents.max-metadata-size)");
        }
    }

    private Map<String, Object> parseMetadata(String metadata) {
        if (metadata == null || metadata.isBlank()) {
            return Map.of();
        }
        try {
            Map<String, Object> parsed = json.readValue(metadata, new TypeReference<Map<String, Object>>() {
            });
            return parsed == null ? Map.of() : parsed;
        }
        catch (JacksonException e) {
            throw LoreException.badRequest("invalid-metadata", "Invalid metadata",
                    "The 'metadata' part must be a JSON object");
        }
    }

    private static byte[] bytes(MultipartFile file) {
        try {
            return file.getBytes();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
