package dev.lore.retrieval.rerank;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Reranking defaults: how many fused candidates are reranked, how many passages the LLM judges at once, the RankGPT
 * window and step for generators without logprobs, and how much of a passage the LLM sees; and the largest request
 * {@code POST /api/v1/rerank} accepts (documents, characters per document).
 */
@ConfigurationProperties("lore.retrieval.rerank")
@Validated
public record RerankProperties(
        @DefaultValue("50") @Min(1) @Max(200) int candidates,
        @DefaultValue("8") @Min(1) int llmConcurrency,
        @DefaultValue("20") @Min(2) int window,
        @DefaultValue("10") @Min(1) int step,
        @DefaultValue("2000") @Min(100) int maxPassageChars,
        @DefaultValue("1000") @Min(1) int maxDocuments,
        @DefaultValue("32000") @Min(1) int maxDocumentChars) {
}
