/** Answers: cited answers from a collection (single, HyDE, FLARE), refusals, extractive answers, SSE. */
package dev.lore.answers;
