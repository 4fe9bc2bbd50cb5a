package dev.lore.models.local;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.lore.models.ChatMessage;

/**
 * Turns a conversation into prompt text with the model's own chat template (through llama.cpp's
 * {@code llama_chat_apply_template}), or, when the model has none or llama.cpp does not know it, with a plain
 * format: each turn as {@code "### System:\n"}, {@code "### User:\n"} or {@code "### Assistant:\n"} followed by
 * its text and a blank line, ending with {@code "### Assistant:\n"}. A final assistant turn is continued: its text
 * follows the assistant header unterminated.
 * <p>
 * The prompt comes back as {@linkplain Segment segments} so that only the template's own scaffolding is tokenized
 * with special tokens: a document or question containing {@code </s>} or {@code <|im_end|>} stays text and can
 * neither end a turn nor forge one. Each segment is tokenized on its own, so a tokenizer that prefixes a space
 * to the start of its input (SentencePiece models with {@code add_space_prefix}) may add one at a content boundary
 * that whole-prompt tokenization would not.
 */
record ChatFormat(String template) {

    /** A piece of the prompt: the template's scaffolding (special tokens parsed) or message content (never). */
    record Segment(String text, boolean scaffolding) {
    }

    private static final char MARK_START = '\uE000';
    private static final char MARK_END = '\uE001';

    boolean usesModelTemplate() {
        return template != null;
    }

    String format(List<ChatMessage> messages) {
        StringBuilder text = new StringBuilder();
        segments(messages).forEach(segment -> text.append(segment.text()));
        return text.toString();
    }

    List<Segment> segments(List<ChatMessage> messages) {
        ChatMessage last = messages.get(messages.size() - 1);
        boolean continuing = last.role() == ChatMessage.Role.ASSISTANT;
        List<ChatMessage> turns = continuing ? messages.subList(0, messages.size() - 1) : messages;
        List<Segment> segments = new ArrayList<>(turns.isEmpty() ? fallback(turns) : applyTemplate(turns));
        if (continuing) {
            segments.add(new Segment(last.content(), false));
        }
        return segments;
    }

    /**
     * Formats the turns with each content replaced by a private-use marker, then puts the contents back as content
     * segments; a template that drops or repeats a marker gets the plain format instead.
     */
    private List<Segment> applyTemplate(List<ChatMessage> turns) {
        if (template != null) {
            byte[][] roles = new byte[turns.size()][];
            byte[][] markers = new byte[turns.size()][];
            for (int i = 0; i < turns.size(); i++) {
                roles[i] = LlamaNative.bytes(turns.get(i).role().name().toLowerCase(Locale.ROOT));
                markers[i] = LlamaNative.bytes(marker(i));
            }
            String formatted = LlamaNative.text(LlamaNative.applyTemplate(LlamaNative.bytes(template), roles, markers,
                    true));
            if (formatted != null) {
                List<Segment> segments = split(formatted, turns);
                if (segments != null) {
                    return segments;
                }
            }
        }
        return fallback(turns);
    }

    private static List<Segment> split(String formatted, List<ChatMessage> turns) {
        List<Segment> segments = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < turns.size(); i++) {
            String marker = marker(i);
            int at = formatted.indexOf(marker, from);
            if (at < 0 || formatted.indexOf(marker, at + marker.length()) >= 0) {
                return null;
            }
            segments.add(new Segment(formatted.substring(from, at), true));
            segments.add(new Segment(turns.get(i).content(), false));
            from = at + marker.length();
        }
        String tail = formatted.substring(from);
        if (tail.indexOf(MARK_START) >= 0) {
            return null;
        }
        segments.add(new Segment(tail, true));
        return segments;
    }

    private static String marker(int index) {
        return MARK_START + Integer.toString(index) + MARK_END;
    }

    /** The plain format has no special tokens at all, so all of it is tokenized as text. */
    static List<Segment> fallback(List<ChatMessage> turns) {
        StringBuilder prompt = new StringBuilder();
        for (ChatMessage turn : turns) {
            prompt.append(header(turn.role())).append(turn.content()).append("\n\n");
        }
        return List.of(new Segment(prompt.append(header(ChatMessage.Role.ASSISTANT)).toString(), false));
    }

    private static String header(ChatMessage.Role role) {
        return switch (role) {
            case SYSTEM -> "### System:\n";
            case USER -> "### User:\n";
            case ASSISTANT -> "### Assistant:\n";
        };
    }
}
