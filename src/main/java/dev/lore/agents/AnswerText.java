package dev.lore.agents;

import java.time.LocalTime;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reading what models write, leniently: small models wrap the asked-for lines in a preamble, Markdown lists and bold,
 * 12-hour times and units ("15 min"); a backend that enforces a schema answers JSON. Hand-written because no library
 * reads these loose line formats; each parser states its own line and uses these pieces.
 */
public final class AnswerText {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern LIST_MARK = Pattern.compile("^\\s*(?:[-*+\u2022\u2013]|\\d+[.)](?!\\d))\\s+");
    private static final Pattern EMPHASIS = Pattern.compile("\\*\\*|__|`+|(?<![\\w*])\\*(?=\\S)|(?<=\\S)\\*(?![\\w*])");
    private static final Pattern TIME = Pattern.compile(
            "^(\\d{1,2})(?:[:.h](\\d{2}))?(?:\\s*(a\\.?m\\.?|p\\.?m\\.?))?(?!\\w)", Pattern.CASE_INSENSITIVE);
    private static final Pattern MINUTES = Pattern.compile(
            "^\\s*(\\d{1,3})\\s*(m|min|mins|minutes?|h|hr|hrs|hours?)?\\.?\\s*$", Pattern.CASE_INSENSITIVE);

    private static final Pattern DECLINE = Pattern.compile(
            "^\\W*(?:I['\u2019]m sorry|I am sorry|sorry, (?:but )?I|I can(?:['\u2019]|no)t (?:help|assist|do|comply|provide)"
                    + "|I won['\u2019]t be able|As an AI)", Pattern.CASE_INSENSITIVE);

    /** A time found at the start of a text, and where the text after it begins. */
    public record LeadingTime(LocalTime time, int end) {
    }

    private AnswerText() {
    }

    /** The JSON object in an answer (a schema-held answer, or one a model wrapped in a code fence), if any. */
    public static Optional<JsonNode> json(String answer) {
        if (answer == null) {
            return Optional.empty();
        }
        int start = answer.indexOf('{');
        int end = answer.lastIndexOf('}');
        if (start < 0 || end <= start) {
            return Optional.empty();
        }
        try {
            JsonNode node = JSON.readTree(answer.substring(start, end + 1));
            return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
        }
        catch (JacksonException notJson) {
            return Optional.empty();
        }
    }

    /** A line without its list mark, Markdown emphasis and surrounding quotes. */
    public static String plain(String line) {
        String text = EMPHASIS.matcher(line).replaceAll("");
        text = LIST_MARK.matcher(text).replaceFirst("").strip();
        if (text.length() > 1 && (text.startsWith("\"") && text.endsWith("\"")
                || text.startsWith("\u201c") && text.endsWith("\u201d"))) {
            text = text.substring(1, text.length() - 1).strip();
        }
        return text;
    }

    /**
     * A time of day at the start of {@code text}: 24-hour ({@code 07:30}, {@code 7.30}, {@code 18h00}) or 12-hour
     * ({@code 7:30 AM}, {@code 7 pm}, {@code 7am}); a bare number without am/pm is not a time.
     */
    public static Optional<LeadingTime> leadingTime(String text) {
        String trimmed = text.stripLeading();
        int offset = text.length() - trimmed.length();
        Matcher matcher = TIME.matcher(trimmed);
        if (!matcher.find()) {
            return Optional.empty();
        }
        int hour = Integer.parseInt(matcher.group(1));
        int minute = matcher.group(2) == null ? 0 : Integer.parseInt(matcher.group(2));
        String half = matcher.group(3);
        if (matcher.group(2) == null && half == null) {
            return Optional.empty();
        }
        if (half != null) {
            if (hour < 1 || hour > 12) {
                return Optional.empty();
            }
            hour = hour % 12 + (half.toLowerCase(Locale.ROOT).startsWith("p") ? 12 : 0);
        }
        if (hour > 23 || minute > 59) {
            return Optional.empty();
        }
        return Optional.of(new LeadingTime(LocalTime.of(hour, minute), offset + matcher.end()));
    }

    /** A time of day that is the whole of {@code text}. */
    public static Optional<LocalTime> time(String text) {
        return leadingTime(text).filter(found -> text.substring(found.end()).isBlank()).map(LeadingTime::time);
    }

    /** A duration in minutes: {@code 15}, {@code 15 min}, {@code 15 minutes}, {@code 1 hour}. */
    public static Optional<Integer> minutes(String text) {
        Matcher matcher = MINUTES.matcher(text);
        if (!matcher.matches()) {
            return Optional.empty();
        }
        int value = Integer.parseInt(matcher.group(1));
        String unit = matcher.group(2) == null ? "m" : matcher.group(2).toLowerCase(Locale.ROOT);
        return Optional.of(unit.startsWith("h") ? value * 60 : value);
    }

    /**
     * Whether a line is a model declining the task ("I'm sorry, but I can't help with that"): no answer, whatever
     * form it has.
     */
    public static boolean declines(String line) {
        return DECLINE.matcher(line).find();
    }

    /** The last paragraph of a rendered prompt: where Lore's prompts state the form of the answer. */
    public static String lastParagraph(String prompt) {
        String[] paragraphs = prompt.strip().split("\\R\\s*\\R");
        return paragraphs[paragraphs.length - 1].strip();
    }
}
