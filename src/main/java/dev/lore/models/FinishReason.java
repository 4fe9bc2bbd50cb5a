package dev.lore.models;

/** Why a completion ended. */
public enum FinishReason {
    /** The model ended its turn or hit a stop string. */
    STOP,
    /** The token limit was reached. */
    LENGTH,
    /** The caller cancelled the generation. */
    CANCELLED,
    /** The backend filtered the content, or gave a reason Lore does not know. */
    OTHER
}
