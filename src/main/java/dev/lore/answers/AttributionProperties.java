package dev.lore.answers;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How Lore attributes a generated sentence that carries no {@code [n]} to the source sentence supporting it best.
 *
 * @param minAgreement the agreement (0.6 × embedding cosine + 0.4 × idf-weighted share of the sentence's words found
 *        in the source sentence) from which a source sentence supports an answer sentence; below it for every
 *        source sentence, the answer sentence is listed as unsupported. 0.62 was measured for all-MiniLM-L6-v2 on
 *        paraphrased, near-miss and unrelated claims about the 18F handbook ({@code AttributionCalibrationTests}):
 *        the highest recall whose precision is at least 0.9; another embedder needs its own
 * @param minCrossEncoder the cross-encoder's score (its probability, with {@code lore.rerank.cross-encoder.sigmoid}
 *        on as by default) from which a source sentence supports an answer sentence, used instead of
 *        {@code minAgreement} when a cross-encoder is configured (0.7, a logit of about 0.85: not measured, as no
 *        cross-encoder was at hand)
 */
@ConfigurationProperties("lore.answers.attribution")
@Validated
record AttributionProperties(
        @DefaultValue("0.62") @DecimalMin("0") @DecimalMax("1") double minAgreement,
        @DefaultValue("0.7") @DecimalMin("0") @DecimalMax("1") double minCrossEncoder) {
}
