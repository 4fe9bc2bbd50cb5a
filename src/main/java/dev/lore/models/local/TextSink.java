package dev.lore.models.local;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Collects generated token bytes into text, streams the part that can no longer turn into a stop string, and
 * ends the text before the first stop string. Each token's bytes are decoded once (a multi-byte character split
 * across tokens waits for its last byte), so the work per token does not grow with the text.
 */
final class TextSink {

    private final List<String> stops;
    private final int holdBack;
    private final Consumer<String> onText;
    private final StringBuilder text = new StringBuilder();
    private byte[] pending = new byte[0];
    private int emitted;
    private boolean stopped;

    TextSink(List<String> stops, Consumer<String> onText) {
        this.stops = stops.stream().filter(stop -> !stop.isEmpty()).toList();
        this.holdBack = this.stops.stream().mapToInt(String::length).max().orElse(1) - 1;
        this.onText = onText;
    }

    /** Adds a token's bytes; true when the text now contains a stop string (and is cut before it). */
    boolean append(byte[] piece) {
        byte[] bytes = pending.length == 0 ? piece : concat(pending, piece);
        int complete = completeLength(bytes);
        text.append(new String(bytes, 0, complete, StandardCharsets.UTF_8));
        pending = Arrays.copyOfRange(bytes, complete, bytes.length);
        int cut = -1;
        for (String stop : stops) {
            int at = text.indexOf(stop, Math.max(0, emitted - stop.length()));
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            text.setLength(cut);
            pending = new byte[0];
            stopped = true;
            emit(text.length());
            return true;
        }
        int safe = text.length() - holdBack;
        if (safe > 0 && Character.isHighSurrogate(text.charAt(safe - 1))) {
            safe--;
        }
        emit(safe);
        return false;
    }

    /** The final text, after streaming what was held back. */
    String finish() {
        if (!stopped && pending.length > 0) {
            text.append(new String(pending, StandardCharsets.UTF_8));
            pending = new byte[0];
        }
        emit(text.length());
        return text.toString();
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] joined = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, joined, first.length, second.length);
        return joined;
    }

    private void emit(int end) {
        if (end > emitted) {
            onText.accept(text.substring(emitted, end));
            emitted = end;
        }
    }

    /** The length of the longest prefix that does not end inside a multi-byte UTF-8 sequence. */
    private static int completeLength(byte[] utf8) {
        int n = utf8.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int b = utf8[n - back] & 0xFF;
            if ((b & 0xC0) == 0x80) {
                continue;
            }
            int needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return needed > back ? n - back : n;
        }
        return n;
    }
}
