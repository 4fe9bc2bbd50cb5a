package dev.lore.models.local;

import java.util.List;

import dev.lore.models.ChatMessage;

/**
 * Turns a conversation into prompt text with the model's own chat template (through llama.cpp's
 * {@code llama_chat_apply_template}), or, when the model has none or llama.cpp does not know it, with a plain
 * format: each turn as {@code "### System:\n"}, {@code "### User:\n"} or {@code "### Assistant:\n"} followed by
 * its text and a blank line, ending with {@code "### Assistant:\n"}. A final assistant turn is continued: its text
 * follows the assistant header unterminated.
 */
record ChatFormat(String template) {

    boolean usesModelTemplate() {
        return template != null;
    }

    String format(List<ChatMessage> messages) {
        ChatMessage last = messages.get(messages.size() - 1);
        boolean continuing = last.role() == ChatMessage.Role.ASSISTANT;
        List<ChatMessage> turns = continuing ? messages.subList(0, messages.size() - 1) : messages;
        String prefix = turns.isEmpty() ? fallback(turns) : applyTemplate(turns);
        return continuing ? prefix + last.content() : prefix;
    }

    private String applyTemplate(List<ChatMessage> turns) {
        if (template != null) {
            String[] roles = turns.stream().map(turn -> turn.role().name().toLowerCase(java.util.Locale.ROOT))
                    .toArray(String[]::new);
            String[] contents = turns.stream().map(ChatMessage::content).toArray(String[]::new);
            String formatted = LlamaNative.applyTemplate(template, roles, contents, true);
            if (formatted != null) {
                return formatted;
            }
        }
        return fallback(turns);
    }

    static String fallback(List<ChatMessage> turns) {
        StringBuilder prompt = new StringBuilder();
        for (ChatMessage turn : turns) {
            prompt.append(header(turn.role())).append(turn.content()).append("\n\n");
        }
        return prompt.append(header(ChatMessage.Role.ASSISTANT)).toString();
    }

    private static String header(ChatMessage.Role role) {
        return switch (role) {
            case SYSTEM -> "### System:\n";
            case USER -> "### User:\n";
            case ASSISTANT -> "### Assistant:\n";
        };
    }
}
