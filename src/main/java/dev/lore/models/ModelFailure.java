package dev.lore.models;

import org.springframework.http.HttpStatus;

import dev.lore.web.LoreException;

/** A model backend answered, but not with something Lore can use (malformed, refused, or a local engine error). */
public final class ModelFailure extends LoreException {

    private ModelFailure(String detail, Throwable cause) {
        super(HttpStatus.BAD_GATEWAY, "model-failure", "Model backend failed", detail, null, cause);
    }

    public static ModelFailure of(String backend, String problem) {
        return new ModelFailure("The model backend '" + backend + "' failed: " + problem, null);
    }

    public static ModelFailure of(String backend, String problem, Throwable cause) {
        return new ModelFailure("The model backend '" + backend + "' failed: " + problem, cause);
    }
}
