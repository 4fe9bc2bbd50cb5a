package dev.lore.models;

import org.springframework.http.HttpStatus;

import dev.lore.web.LoreException;

/**
 * Work that needs a generator asked for where none is configured ({@code lore.generator=none}): a 400
 * {@code generator-unavailable} that names the setting, since waiting does not help (a configured backend that is
 * down or busy is a 503 {@link ModelUnavailable} instead).
 */
public final class GeneratorUnavailable extends LoreException {

    /** The setting that chooses the generator, and the values that give one. */
    public static final String SETTING = "lore.generator";
    private static final String CHOICES = "local, openai, ollama or anthropic";

    private GeneratorUnavailable(String detail) {
        super(HttpStatus.BAD_REQUEST, "generator-unavailable", "Generator unavailable", detail);
    }

    /**
     * {@code what} needs a generator and none is configured; {@code otherwise} (or {@code null}) says what the caller
     * can ask for instead.
     */
    public static GeneratorUnavailable notConfigured(String what, String otherwise) {
        return new GeneratorUnavailable(what + " needs a generator: set " + SETTING + " to " + CHOICES
                + " (it is none)" + (otherwise == null ? "" : ", or " + otherwise));
    }

    /** {@code what} needs a generator and the request itself asked for none. */
    public static GeneratorUnavailable declined(String what, String otherwise) {
        return new GeneratorUnavailable(what + " needs a generator: leave out \"generator\":\"none\" (and set "
                + SETTING + " to " + CHOICES + " if it is none)" + (otherwise == null ? "" : ", or " + otherwise));
    }
}
