package dev.lore.models.onnx;

import java.nio.file.Path;

import jakarta.validation.constraints.Positive;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the in-process cross-encoder: a directory holding {@code model.onnx} (or {@code onnx/model.onnx}) and
 * {@code tokenizer.json}, the token limit of a (query, passage) pair, passages per ONNX Runtime call, and whether a
 * single-logit model's output goes through a sigmoid (as sentence-transformers does for such models).
 * {@code modelDir} may be absent: Lore's properties scan binds this record even when no cross-encoder is configured.
 */
@Validated
@ConfigurationProperties("lore.rerank.cross-encoder")
record CrossEncoderProperties(Path modelDir, @DefaultValue("512") @Positive int maxLength,
        @DefaultValue("32") @Positive int batchSize, @DefaultValue("true") boolean sigmoid) {
}
