package dev.lore.answers;

/** Hears an answer as it is written: accepted text and each retrieval; a plain request hears nothing. */
public interface AnswerListener {

    AnswerListener NONE = new AnswerListener() {
    };

    /** Whether tokens should be streamed from the generator (else the answer is generated in one call). */
    default boolean streaming() {
        return false;
    }

    default void token(String text) {
    }

    default void retrieval(RetrievalStep step) {
    }
}
