package dev.lore.models.onnx;

/** Where ONNX Runtime runs Lore's in-process models: {@code cpu}, or {@code cuda} with the {@code gpu} build. */
enum OnnxDevice {
    CPU,
    CUDA
}
