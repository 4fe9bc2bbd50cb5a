package dev.lore.models.onnx;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/** Settings of the in-process ONNX Runtime: the device (cpu or cuda) and, for cuda, which GPU. */
@Validated
@ConfigurationProperties("lore.models.onnx")
record OnnxProperties(@DefaultValue("cpu") @NotNull OnnxDevice device, @DefaultValue("0") @PositiveOrZero int deviceId) {

    static OnnxProperties cpu() {
        return new OnnxProperties(OnnxDevice.CPU, 0);
    }
}
