package dev.lore.answers.flare;

import java.util.ArrayList;
import java.util.List;

import dev.lore.models.Completion;
import dev.lore.models.FinishReason;
import dev.lore.models.TokenLogprob;

/**
 * A look-ahead cut at its first sentence end: a token ending in {@code .!?} that the next token separates with
 * white space (or that ends the text), or a token holding a line break. {@code endOfText}: the model stopped there.
 */
record LookAhead(String text, List<TokenLogprob> tokens, boolean endOfText) {

    static LookAhead cut(Completion completion) {
        List<TokenLogprob> tokens = completion.tokens();
        boolean stopped = completion.finishReason() != FinishReason.LENGTH;
        if (tokens.isEmpty()) {
            return new LookAhead(completion.text(), List.of(), stopped);
        }
        List<TokenLogprob> kept = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < tokens.size(); i++) {
            TokenLogprob token = tokens.get(i);
            kept.add(token);
            text.append(token.token());
            boolean last = i == tokens.size() - 1;
            if (!text.toString().isBlank() && endsSentence(token.token(), last ? null : tokens.get(i + 1).token())) {
                return new LookAhead(text.toString(), kept, last && stopped);
            }
        }
        return new LookAhead(text.toString(), kept, stopped);
    }

    private static boolean endsSentence(String token, String next) {
        if (token.contains("\n")) {
            return true;
        }
        String trimmed = token.stripTrailing();
        if (trimmed.isEmpty()) {
            return false;
        }
        char end = trimmed.charAt(trimmed.length() - 1);
        boolean punctuation = end == '.' || end == '!' || end == '?';
        return punctuation && (next == null || next.isEmpty() || Character.isWhitespace(next.charAt(0))
                || trimmed.length() < token.length());
    }

    /** The tokens whose probability is below {@code threshold}. */
    List<TokenLogprob> below(double threshold) {
        return tokens.stream().filter(token -> token.probability() < threshold).toList();
    }
}
