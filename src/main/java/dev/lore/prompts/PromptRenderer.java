package dev.lore.prompts;

import java.io.IOException;
import java.io.Writer;
import java.util.Map;
import java.util.stream.Collectors;

import org.springframework.ai.template.TemplateRenderer;
import org.stringtemplate.v4.AutoIndentWriter;
import org.stringtemplate.v4.ST;
import org.stringtemplate.v4.STGroup;
import org.stringtemplate.v4.misc.ErrorBuffer;
import org.stringtemplate.v4.misc.STMessage;

/**
 * StringTemplate with {@code {placeholder}} delimiters, rendered exactly as Spring AI's {@code StTemplateRenderer}
 * renders it, only faster for long values. StringTemplate's writer handles a value character by character, each
 * written to a synchronized {@code StringWriter}, so that it can indent continuation lines: for an answer prompt of
 * sources (thousands of words) that was most of the rendering time. Where no indentation is in force (no shipped
 * prompt indents a placeholder) {@link Fast} writes a value's lines whole, with the same bookkeeping; elsewhere it is
 * StringTemplate's own writer. As with Spring AI's validation, a placeholder without a value, like any other template
 * error, is an exception, never an empty hole in the prompt.
 */
final class PromptRenderer implements TemplateRenderer {

    @Override
    public String apply(String template, Map<String, ? extends Object> variables) {
        // StringTemplate reports its errors to a listener and goes on
        ErrorBuffer errors = new ErrorBuffer();
        STGroup group = new STGroup('{', '}');
        group.setListener(errors);
        ST st;
        try {
            st = new ST(group, template);
            variables.forEach(st::add);
        }
        catch (RuntimeException e) {
            throw new IllegalStateException("The prompt template could not be compiled: "
                    + (errors.errors.isEmpty() ? e.getMessage() : messages(errors)), e);
        }
        Text out = new Text(template.length() + 256);
        st.write(new Fast(out), errors);
        if (!errors.errors.isEmpty()) {
            throw new IllegalStateException("The prompt template could not be rendered: " + messages(errors));
        }
        return out.text.toString();
    }

    /** The errors' messages, without the cause's stack trace that {@link STMessage#toString()} appends. */
    private static String messages(ErrorBuffer errors) {
        return errors.errors.stream().map(STMessage::toString)
                .map(text -> text.contains("\n\tat ") ? text.substring(0, text.indexOf("\n\tat ")) : text)
                .collect(Collectors.joining("; "));
    }

    /** StringTemplate's auto-indenting writer, which writes a value's lines whole while there is nothing to indent. */
    static final class Fast extends AutoIndentWriter {

        Fast(Writer out) {
            // newlines as "\n" on every platform, where StringTemplate writes the system's line separator
            super(out, "\n");
        }

        @Override
        public int write(String str) throws IOException {
            if (anchors_sp >= 0 || indents.stream().anyMatch(indent -> indent != null && !indent.isEmpty())) {
                return super.write(str);
            }
            // the same effect as the loop it replaces when indent() writes nothing: '\r' dropped, "\n" written as
            // the newline, the positions moved as it moves them
            int n = 0;
            int nl = newline.length();
            int from = 0;
            for (int i = 0; i <= str.length(); i++) {
                char c = i < str.length() ? str.charAt(i) : '\n';
                if (c != '\n' && c != '\r') {
                    continue;
                }
                int run = i - from;
                if (run > 0) {
                    out.write(str, from, run);
                    atStartOfLine = false;
                    n += run;
                    charPosition += run;
                    charIndex += run;
                }
                if (i < str.length() && c == '\n') {
                    atStartOfLine = true;
                    charPosition = -nl;
                    out.write(newline);
                    n += nl;
                    charIndex += nl;
                    charPosition += n;
                }
                from = i + 1;
            }
            return n;
        }
    }

    /** A writer into a {@link StringBuilder}: a {@code StringWriter} synchronizes on every character. */
    private static final class Text extends Writer {

        private final StringBuilder text;

        Text(int capacity) {
            this.text = new StringBuilder(capacity);
        }

        @Override
        public void write(int c) {
            text.append((char) c);
        }

        @Override
        public void write(char[] chars, int offset, int length) {
            text.append(chars, offset, length);
        }

        @Override
        public void write(String string, int offset, int length) {
            text.append(string, offset, offset + length);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
