package dev.lore.documents.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes static-site template markup (Liquid/Jekyll/Eleventy tags) so that it is never indexed as prose.
 * No library parses Liquid without rendering it against a site, so this keeps the few tags' meaning by hand:
 * comments vanish with their content, a Slack-channel shortcode becomes its channel name, other tags vanish.
 */
final class TemplateMarkup {

    private static final Pattern COMMENT = Pattern.compile("\\{%-?\\s*comment\\s*-?%}.*?\\{%-?\\s*endcomment\\s*-?%}",
            Pattern.DOTALL);
    private static final Pattern SLACK_CHANNEL = Pattern.compile("\\{%-?\\s*slack_channel\\s+[\"']([^\"']+)[\"']\\s*-?%}");
    private static final Pattern TAG = Pattern.compile("\\{%.*?%}", Pattern.DOTALL);
    private static final Pattern OUTPUT = Pattern.compile("\\{\\{.*?}}", Pattern.DOTALL);

    private TemplateMarkup() {
    }

    static String strip(String text) {
        String result = COMMENT.matcher(text).replaceAll("");
        result = SLACK_CHANNEL.matcher(result).replaceAll(m -> Matcher.quoteReplacement("#" + m.group(1)));
        result = TAG.matcher(result).replaceAll("");
        return OUTPUT.matcher(result).replaceAll("");
    }
}
