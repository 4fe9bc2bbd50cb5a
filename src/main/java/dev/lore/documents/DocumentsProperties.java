package dev.lore.documents;

import java.time.Duration;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Ingestion settings: upload limits, chunk size in embedder tokens, how the ingestion worker claims work and how
 * long a claim lives without a heartbeat, and the limits one document's parse runs within.
 * {@code maxFileSize} also bounds the text of a JSON document.
 *
 * @param staleAfter how long a claim lives without a heartbeat before another worker takes the item over
 * @param maxAttempts claims of one item (each worker that died holding it counts) before it ends FAILED
 * @param maxClaimBytes the payload bytes one claimed batch may hold (at least one item is always claimed)
 * @param lockTimeout how long an upload waits for its collection's lock before answering 503
 * @param workerEnabled whether this instance processes the queue (an API-only instance only accepts uploads)
 * @param keepOriginals whether a stored document keeps its original bytes, from which a rechunking job rebuilds its
 *     chunks as a new upload would be chunked (without them, from the old chunks' text)
 */
@ConfigurationProperties("lore.documents")
@Validated
public record DocumentsProperties(
        @DefaultValue("20MB") DataSize maxFileSize,
        @DefaultValue("100") @Min(1) int maxFilesPerRequest,
        @DefaultValue("16KB") DataSize maxMetadataSize,
        @DefaultValue("300") @Min(32) @Max(4096) int chunkTokens,
        @DefaultValue("45") @Min(0) int chunkOverlapTokens,
        @DefaultValue("32") @Min(1) int workerBatch,
        @DefaultValue("64MB") DataSize maxClaimBytes,
        @DefaultValue("5s") Duration lockTimeout,
        @DefaultValue("true") boolean workerEnabled,
        @DefaultValue("2s") Duration pollInterval,
        @DefaultValue("5s") Duration heartbeatInterval,
        @DefaultValue("20s") Duration staleAfter,
        @DefaultValue("3") @Min(1) int maxAttempts,
        @DefaultValue("60s") Duration parseTimeout,
        @DefaultValue("10000000") @Min(1000) long maxExtractedCharacters,
        @DefaultValue("0.01") @DecimalMin("0.0") @DecimalMax("1.0") double zipMinInflateRatio,
        @DefaultValue("100MB") DataSize zipMaxEntrySize,
        @DefaultValue("true") boolean keepOriginals) {

    public DocumentsProperties {
        if (!heartbeatInterval.multipliedBy(2).minus(staleAfter).isNegative()) {
            throw new IllegalArgumentException("lore.documents.stale-after (" + staleAfter
                    + ") must be more than twice lore.documents.heartbeat-interval (" + heartbeatInterval + ")");
        }
    }
}
