package dev.lore.documents.internal;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The formats Lore ingests, recognised by file extension or declared content type. */
public enum DocumentFormat {
    MARKDOWN("text/markdown", "md", "markdown"),
    TEXT("text/plain", "txt", "text"),
    HTML("text/html", "html", "htm"),
    PDF("application/pdf", "pdf"),
    DOCX("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx");

    private final String mediaType;
    private final String[] extensions;

    DocumentFormat(String mediaType, String... extensions) {
        this.mediaType = mediaType;
        this.extensions = extensions;
    }

    public String mediaType() {
        return mediaType;
    }

    public static Optional<DocumentFormat> of(String filename, String contentType) {
        if (filename != null) {
            int dot = filename.lastIndexOf('.');
            if (dot >= 0) {
                String extension = filename.substring(dot + 1).toLowerCase(Locale.ROOT);
                Optional<DocumentFormat> byExtension = Arrays.stream(values())
                        .filter(f -> Arrays.asList(f.extensions).contains(extension)).findFirst();
                if (byExtension.isPresent()) {
                    return byExtension;
                }
            }
        }
        if (contentType != null) {
            String base = contentType.split(";")[0].trim().toLowerCase(Locale.ROOT);
            return Arrays.stream(values()).filter(f -> f.mediaType.equals(base)).findFirst();
        }
        return Optional.empty();
    }

    public static DocumentFormat ofMediaType(String mediaType) {
        return Arrays.stream(values()).filter(f -> f.mediaType.equals(mediaType)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Unsupported media type " + mediaType));
    }
}
