package dev.lore.agents;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the generative agents.
 *
 * @param reflectionThreshold summed importance of new memories past which an agent reflects (the paper's 150)
 * @param defaultImportance the importance a memory gets when the model's rating cannot be read (or no model runs)
 * @param ratingBatch how many memories one rating call judges at most
 * @param reflectionRecent how many of the most recent memories a reflection starts from (the paper's 100)
 * @param reflectionQuestions how many salient questions a reflection asks (the paper's 3)
 * @param reflectionInsights how many insights a reflection asks for at most (the paper's 5)
 * @param evidencePerQuestion how many memories are retrieved for each question
 * @param interviewMemories how many memories an interview answer draws on
 * @param maxTurns the most utterances a conversation has (at most 8)
 * @param conversationMemories how many memories a speaker retrieves about the other before each turn
 * @param exactBelow streams with fewer memories are scored whole; larger ones through bounded candidate pools
 * @param vectorPool candidates taken from the vector index, nearest to the query (keep it within
 *        {@code hnsw.ef_search}, 100: past it pgvector's iterative scan made the search 50 times slower)
 * @param recentPerLevel candidates taken for the top importance level: its most recently accessed memories (lower
 *        levels give fewer, see {@code MemoryStream})
 */
@Validated
@ConfigurationProperties("lore.agents")
public record AgentsProperties(
        @DefaultValue("150") @DecimalMin("1") double reflectionThreshold,
        @DefaultValue("5") @DecimalMin("1") @DecimalMax("10") double defaultImportance,
        @DefaultValue("20") @Min(1) @Max(100) int ratingBatch,
        @DefaultValue("100") @Min(1) @Max(1000) int reflectionRecent,
        @DefaultValue("3") @Min(1) @Max(10) int reflectionQuestions,
        @DefaultValue("5") @Min(1) @Max(20) int reflectionInsights,
        @DefaultValue("10") @Min(1) @Max(100) int evidencePerQuestion,
        @DefaultValue("10") @Min(1) @Max(100) int interviewMemories,
        @DefaultValue("8") @Min(2) @Max(8) int maxTurns,
        @DefaultValue("5") @Min(1) @Max(50) int conversationMemories,
        @DefaultValue("2000") @Min(0) int exactBelow,
        @DefaultValue("100") @Min(1) @Max(1000) int vectorPool,
        @DefaultValue("300") @Min(1) @Max(1000) int recentPerLevel) {
}
