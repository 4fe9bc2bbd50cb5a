package dev.lore.answers;

import java.util.regex.Pattern;

/**
 * The expected answer type "a quantity": questions that ask how long, how much, how many or how often, or for a
 * minimum, maximum, limit or fee, are answered by a sentence that states one ("10 business days", "$35", "4 hours
 * weekly", "half-hour"). Employees describe their situation in the question ("I emailed my form to tts-travel. How
 * long until my account is set up?"), so the sentences that repeat the situation's words outscore the one that
 * answers; a small bonus for stating a quantity, only when one is asked for, tips the balance without a model.
 */
final class Quantities {

    private static final Pattern ASKS = Pattern.compile("(?i)\\bhow (long|much|many|often|soon|far|early|late|"
            + "quickly|frequently)\\b|\\b(minimum|maximum|most|least|limit|cap|fee|fees|cost|deadline|by when)\\b");

    private static final String NUMBER_WORD = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
            + "fifteen|twenty|thirty|forty|fifty|sixty|ninety|half|a few|several|a couple of";
    private static final String UNIT = "(business |calendar |work |working )?(minutes?|hours?|days?|weeks?|months?|"
            + "years?|pay periods?|times|nights|miles|percent)";
    private static final Pattern STATES = Pattern.compile("(?i)\\$\\s?\\d|\\d\\s*%|\\b\\d[\\d,]*(\\.\\d+)?"
            + "(\\s*(-|–|to)\\s*\\d[\\d,]*)?[\\s-]*" + UNIT + "\\b|\\b(" + NUMBER_WORD + ")[\\s-]+" + UNIT
            + "\\b|\\b(daily|weekly|biweekly|monthly|quarterly|annually|yearly|every \\w+)\\b");

    private Quantities() {
    }

    /** Whether the question asks for a quantity: a duration, an amount, a count, a frequency or a bound. */
    static boolean asked(String question) {
        return ASKS.matcher(question).find();
    }

    /** Whether the text states one. */
    static boolean stated(String text) {
        return STATES.matcher(text).find();
    }
}
