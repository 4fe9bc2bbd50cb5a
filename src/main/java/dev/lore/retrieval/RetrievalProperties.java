package dev.lore.retrieval;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/** Search defaults: result count, candidates per list before fusion, and the RRF constant k. */
@ConfigurationProperties("lore.retrieval")
@Validated
public record RetrievalProperties(
        @DefaultValue("10") @Min(1) @Max(100) int topK,
        @DefaultValue("50") @Min(1) @Max(1000) int candidates,
        @DefaultValue("60") @Min(1) int rrfK) {
}
