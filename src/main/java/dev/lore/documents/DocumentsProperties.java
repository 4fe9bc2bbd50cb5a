package dev.lore.documents;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Ingestion settings: upload limits, chunk size in embedder tokens, and how the ingestion worker claims work.
 * {@code maxFileSize} also bounds the text of a JSON document.
 */
@ConfigurationProperties("lore.documents")
@Validated
public record DocumentsProperties(
        @DefaultValue("20MB") DataSize maxFileSize,
        @DefaultValue("100") @Min(1) int maxFilesPerRequest,
        @DefaultValue("300") @Min(32) @Max(4096) int chunkTokens,
        @DefaultValue("45") @Min(0) int chunkOverlapTokens,
        @DefaultValue("32") @Min(1) int workerBatch,
        @DefaultValue("2s") Duration pollInterval,
        @DefaultValue("10m") Duration staleAfter) {
}
