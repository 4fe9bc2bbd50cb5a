package dev.lore.answers;

import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The expected answer type "a quantity": questions that ask how long, how much, how many or how often, or for a
 * minimum, maximum, limit or fee, are answered by a sentence that states one ("10 business days", "$35", "4 hours
 * weekly", "half-hour"). Employees describe their situation in the question ("I emailed my form to tts-travel. How
 * long until my account is set up?"), so the sentences that repeat the situation's words outscore the one that
 * answers; a small bonus for stating a quantity, only when one is asked for, tips the balance without a model.
 * <p>
 * The same type, read strictly ({@link #figureAsked}), lets an extractive answer see that it does not answer: a
 * question that asks only for a figure ("What percent of my premium does the government pay?") is not answered by
 * sentences that state none of its kind, however close their topic. Handbooks cover the topic of many figures they
 * leave to another office (per diem rates, contribution limits, premiums), and those near misses are what an
 * embedder's similarity cannot tell from an answer.
 */
final class Quantities {

    private static final Pattern ASKS = Pattern.compile("(?i)\\bhow (long|much|many|often|soon|far|early|late|"
            + "quickly|frequently)\\b|\\b(minimum|maximum|most|least|limit|cap|fee|fees|cost|deadline|by when)\\b");

    private static final String NUMBER_WORD = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
            + "fifteen|twenty|thirty|forty|fifty|sixty|ninety|half|a few|several|a couple of";
    private static final String QUALIFIED = "(business |calendar |work |working )?";
    private static final String DURATIONS = "minutes?|hours?|days?|weeks?|months?|years?|pay periods?";
    private static final String UNIT = QUALIFIED + "(" + DURATIONS + "|times|nights|miles|percent)";
    private static final String PERIODIC = "daily|weekly|biweekly|monthly|quarterly|annually|yearly|every \\w+";
    private static final Pattern STATES = Pattern.compile("(?i)\\$\\s?\\d|\\d\\s*%|\\b\\d[\\d,]*(\\.\\d+)?"
            + "(\\s*(-|–|to)\\s*\\d[\\d,]*)?[\\s-]*" + UNIT + "\\b|\\b(" + NUMBER_WORD + ")[\\s-]+" + UNIT
            + "\\b|\\b(" + PERIODIC + ")\\b");

    /** A number written in digits, not a version or a placeholder's decimals ("$XXX.00"), with an optional range. */
    private static final String DIGITS = "(?<![\\w.$])\\d[\\d,]*(\\.\\d+)?(\\s*(-|–|to)\\s*\\d[\\d,]*(\\.\\d+)?)?";
    private static final String DURATION_UNIT = QUALIFIED + "(" + DURATIONS + ")\\b";
    private static final Pattern DURATION = Pattern.compile("(?i)" + DIGITS + "[\\s-]*" + DURATION_UNIT + "|\\b("
            + NUMBER_WORD + ")[\\s-]+" + DURATION_UNIT + "|\\bhalf[\\s-]hour\\b|\\b(a|an) (minute|hour|day|week|month|"
            + "year)\\b");
    private static final Pattern FREQUENCY = Pattern.compile("(?i)\\b(" + PERIODIC
            + "|once|twice|per (day|week|month|year|pay period))\\b");
    private static final Pattern PERCENT = Pattern.compile("(?i)\\d\\s*(%|percent\\b)");
    private static final Pattern MONEY = Pattern.compile("(?i)\\$\\s?\\d|\\d\\s*(dollars|cents)\\b|\\b(free|no cost|"
            + "no charge|without cost|not cost)\\b");
    private static final Pattern COUNT = Pattern.compile("(?i)" + DIGITS + "|\\b(" + NUMBER_WORD + ")\\b");
    private static final Pattern NUMBER = Pattern.compile("(?i)" + DIGITS);
    private static final Pattern UNITS = Pattern.compile("(?i)\\b(" + NUMBER_WORD + ")[\\s-]+" + UNIT + "\\b");

    /** Words that open a question: each must open an ask for a figure before an answer is held to stating one. */
    private static final Pattern QUESTION_WORD = Pattern.compile(
            "(?i)\\b(what(['’]?s)?|where|when|who|whom|whose|which|why|how)\\b");
    /** "what's the nightly hotel limit", "what percent of", "what is the most I can": a bound, rate or share. */
    private static final String WHAT_THE = "(?i)what(['’]?s)?(\\s+(is|are|was|would be))?\\s+((the|my|our|a|an)\\s+)?"
            + "([\\w-]+\\s+){0,3}?";
    private static final String KEY = "key";
    private static final Pattern ASKS_PERCENT = Pattern.compile(WHAT_THE + "(?<key>percent|percentage|share)\\b");
    private static final Pattern ASKS_AMOUNT = Pattern.compile(WHAT_THE
            + "(?<key>max|maximum|minimum|min|most|least|limit|cap|ceiling|rate|amount)\\b");
    private static final Pattern ASKS_DURATION = Pattern.compile(
            "(?i)how\\s+(long|soon)\\b|how\\s+(far|early)\\s+(in advance|ahead|before)\\b");
    private static final Pattern ASKS_FREQUENCY = Pattern.compile("(?i)how\\s+(often|frequently)\\b");
    /** "how many days", "how much time": the unit is part of the ask, not what the figure is of. */
    private static final Pattern ASKS_MANY = Pattern.compile("(?i)how\\s+many(\\s+" + UNIT + ")?\\b");
    private static final Pattern ASKS_MUCH = Pattern.compile("(?i)how\\s+much(\\s+(time|money))?\\b");
    private static final Pattern MONEY_WORDS = Pattern.compile("(?i)\\$|\\b(cost|costs|money|dollars?|budget|"
            + "paycheck|price|charge|fee|fees|spend|salary|premium|reimburs\\w*|stipend|subsidy)\\b");

    /** Words that are no subject of a figure (as {@link Terms} stems them): contraction leftovers and hedges. */
    private static final Set<String> NOT_SUBJECT = Set.of("ll", "re", "ve", "take", "took", "usually", "typically",
            "normally", "generally", "roughly", "realistically", "approximately", "around", "per", "until", "up",
            "over", "long", "soon");

    /** The kinds of figure a question can ask for, each with what states one. */
    enum Figure {

        DURATION, FREQUENCY, PERCENT, MONEY, COUNT,
        /** a bound, rate or amount of any unit: a number, a sum, a share */
        AMOUNT;

        /** Whether {@code text} states a figure of this kind. */
        boolean statedIn(String text) {
            return switch (this) {
                case DURATION -> Quantities.DURATION.matcher(text).find();
                case FREQUENCY -> Quantities.FREQUENCY.matcher(text).find()
                        || Quantities.DURATION.matcher(text).find();
                case PERCENT -> Quantities.PERCENT.matcher(text).find();
                case MONEY -> Quantities.MONEY.matcher(text).find();
                case COUNT -> Quantities.COUNT.matcher(text).find();
                case AMOUNT -> NUMBER.matcher(text).find()
                        || Quantities.MONEY.matcher(text).find() || UNITS.matcher(text).find();
            };
        }
    }

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

    /**
     * The figure the question asks for when a figure is all it asks: every question word in it opens an ask for one
     * ("how often, and for how long"). A question that also asks where, who or what else ("How far ahead do I
     * submit it, and what do I name the trip?"), or only whether ("Is there a fee?", "Does it cost anything?"), asks
     * for none; when several figures are asked, the first.
     */
    static Optional<Figure> figureAsked(String question) {
        Figure first = null;
        Matcher word = QUESTION_WORD.matcher(question);
        while (word.find()) {
            Figure figure = figureAt(question, word.start());
            if (figure == null) {
                return Optional.empty();
            }
            first = first == null ? figure : first;
        }
        return Optional.ofNullable(first);
    }

    /**
     * The question without the words that ask for its figures ("how long", "what percent", "what's the max"): what
     * the figure is to be of. Unchanged when it asks for none.
     */
    static String withoutAsks(String question) {
        StringBuilder rest = new StringBuilder(question);
        Matcher word = QUESTION_WORD.matcher(question);
        while (word.find()) {
            Ask ask = askAt(question, word.start());
            if (ask != null) {
                for (int i = ask.from(); i < ask.to(); i++) {
                    rest.setCharAt(i, ' ');
                }
            }
        }
        return rest.toString();
    }

    /**
     * What the question's figure is to be of: its words (as {@link Terms} reads them) without those that ask ("how
     * long", "how many days", "what's the limit"), the leftovers of contractions ("what's", "I'll") and the words that
     * hedge an ask ("usually", "roughly", "take").
     */
    static Set<String> subject(String question) {
        Set<String> subject = Terms.terms(withoutAsks(question));
        subject.removeIf(word -> word.length() < 2 && !Character.isDigit(word.charAt(0))
                || NOT_SUBJECT.contains(word));
        return subject;
    }

    /** The figure asked by the question word at {@code start}, or null when it asks for something else. */
    private static Figure figureAt(String question, int start) {
        Ask ask = askAt(question, start);
        return ask == null ? null : ask.figure();
    }

    /** An ask for a figure, and where its own words are: "how long", or "limit" in "what's the nightly hotel limit". */
    private record Ask(Figure figure, int from, int to) {
    }

    private static Ask askAt(String question, int start) {
        String rest = question.substring(start);
        Matcher m;
        if ((m = ASKS_DURATION.matcher(rest)).lookingAt()) {
            return new Ask(Figure.DURATION, start, start + m.end());
        }
        if ((m = ASKS_FREQUENCY.matcher(rest)).lookingAt()) {
            return new Ask(Figure.FREQUENCY, start, start + m.end());
        }
        if ((m = ASKS_MANY.matcher(rest)).lookingAt()) {
            return new Ask(Figure.COUNT, start, start + m.end());
        }
        if ((m = ASKS_MUCH.matcher(rest)).lookingAt()) {
            // "how much time" is answered in hours, "how much per paycheck" in dollars
            String clause = rest.split("[?.;]", 2)[0];
            return new Ask(MONEY_WORDS.matcher(clause).find() ? Figure.MONEY : Figure.COUNT, start, start + m.end());
        }
        // the words between "what's the" and "limit" say what it is a limit of: only the key word is the ask's
        if ((m = ASKS_PERCENT.matcher(rest)).lookingAt()) {
            return new Ask(Figure.PERCENT, start + m.start(KEY), start + m.end());
        }
        if ((m = ASKS_AMOUNT.matcher(rest)).lookingAt()) {
            return new Ask(Figure.AMOUNT, start + m.start(KEY), start + m.end());
        }
        return null;
    }
}
