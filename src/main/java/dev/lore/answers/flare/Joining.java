package dev.lore.answers.flare;

import java.util.regex.Pattern;

/**
 * Joins the stretches of a FLARE answer: a chat model continuing an assistant turn starts its text without the
 * space that separates it from the sentence before ("…the Facilities team.The Facilities team is…").
 */
final class Joining {

    /** A sentence end, with any closing quotes, brackets or citation markers after it. */
    private static final Pattern SENTENCE_END = Pattern.compile("[.!?][\"')\\]*_”’]*(\\s*\\[[\\d,;\\s]+])*$");

    private Joining() {
    }

    /** {@code next} as it should be appended to {@code answer}: after a space when it starts a new sentence. */
    static String next(CharSequence answer, String next) {
        if (answer.isEmpty() || next.isEmpty() || Character.isWhitespace(next.charAt(0))
                || Character.isWhitespace(answer.charAt(answer.length() - 1))) {
            return next;
        }
        return SENTENCE_END.matcher(answer).find() ? " " + next : next;
    }
}
