package dev.lore.models.local;

/** A failure reported by llama.cpp or by Lore's shim around it (thrown from native code, so its name is fixed). */
final class LlamaException extends RuntimeException {

    LlamaException(String message) {
        super(message);
    }
}
