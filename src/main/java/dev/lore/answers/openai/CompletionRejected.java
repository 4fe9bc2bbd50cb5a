package dev.lore.answers.openai;

import org.springframework.http.HttpStatus;

import dev.lore.web.LoreException;

/** A chat completion request Lore refuses, naming the parameter at fault as OpenAI's errors do. */
final class CompletionRejected extends LoreException {

    private final String param;

    private CompletionRejected(HttpStatus status, String type, String title, String detail, String param) {
        super(status, type, title, detail);
        this.param = param;
    }

    static CompletionRejected invalid(String param, String detail) {
        return new CompletionRejected(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request", detail, param);
    }

    /** OpenAI's own code for a message too long for the model, which its clients recognise. */
    static CompletionRejected tooLong(String param, String detail) {
        return new CompletionRejected(HttpStatus.BAD_REQUEST, "context-length-exceeded", "Message too long", detail,
                param);
    }

    static CompletionRejected unknownModel(String model) {
        return new CompletionRejected(HttpStatus.NOT_FOUND, "model-not-found", "Model not found", "The model '"
                + model + "' does not exist: Lore's models are lore:<collection>, lore:<collection>:flare and "
                + "lore:<collection>:hyde for the collections your key may read (GET /v1/models lists them)",
                "model");
    }

    String param() {
        return param;
    }
}
