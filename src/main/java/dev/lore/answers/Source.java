package dev.lore.answers;

import dev.lore.retrieval.SearchHit;

/** A retrieved chunk as the model sees it: numbered {@code [n]} in the answer's prompt. */
record Source(int n, SearchHit hit) {
}
