package dev.lore.answers.chat;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How much of a conversation a chat answer sees.
 *
 * @param historyTokens the earlier turns the answer prompt carries, newest first, until this many tokens
 * @param followUpTurns the earlier messages a follow-up's standalone retrieval query is written from
 * @param followUpTokens the longest standalone query the generator may write
 * @param maxMessageChars the longest message the OpenAI facade takes, earlier turns included (longer: 400
 *        {@code context_length_exceeded}); earlier turns past {@code historyTokens} are dropped, oldest first
 * @param pageSize sessions listed, or messages of a transcript shown, when a request names no {@code limit}
 * @param maxPageSize the largest {@code limit} a request may ask for
 */
@ConfigurationProperties("lore.chat")
@Validated
public record ChatProperties(
        @DefaultValue("1024") @Min(0) int historyTokens,
        @DefaultValue("4") @Min(1) @Max(20) int followUpTurns,
        @DefaultValue("64") @Min(8) @Max(512) int followUpTokens,
        @DefaultValue("20000") @Min(1) int maxMessageChars,
        @DefaultValue("200") @Min(1) int pageSize,
        @DefaultValue("1000") @Min(1) int maxPageSize) {
}
