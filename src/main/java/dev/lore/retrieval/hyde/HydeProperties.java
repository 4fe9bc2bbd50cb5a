package dev.lore.retrieval.hyde;

import java.time.Duration;
import java.util.Map;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * HyDE defaults: passages per query (the paper uses 8; Lore 4 for latency), sampling temperature (paper: 0.7),
 * passage length, how long a query's HyDE vector is reused, and the prompt per collection name
 * (e.g. {@code lore.retrieval.hyde.prompts.scifact=hyde-scientific}).
 */
@ConfigurationProperties("lore.retrieval.hyde")
@Validated
public record HydeProperties(
        @DefaultValue("4") @Min(1) @Max(16) int documents,
        @DefaultValue("0.7") @DecimalMin("0") @DecimalMax("2") double temperature,
        @DefaultValue("256") @Min(16) int maxTokens,
        @DefaultValue("10m") Duration cacheTtl,
        @DefaultValue("1000") @Min(0) int cacheSize,
        Map<String, String> prompts) {

    public HydeProperties {
        prompts = prompts == null ? Map.of() : Map.copyOf(prompts);
    }
}
