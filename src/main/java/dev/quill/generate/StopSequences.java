package dev.quill.generate;

import java.util.List;

/**
 * Stop sequences matched on decoded text, with streaming that never shows a stop string. Text arrives in
 * pieces ({@link #offer(String)}); what may be emitted is everything except the longest tail that is
 * still the start of some stop string (held back until the next piece decides it). The first full match
 * ends the text before the match. A match always starts at or after the emitted part, because any tail
 * that could begin one was held back.
 */
final class StopSequences {

    private final List<String> stops;
    private final StringBuilder text = new StringBuilder();
    private int emitted;
    private boolean stopped;

    StopSequences(List<String> stops) {
        this.stops = stops;
    }

    /** Adds decoded text; returns the part that is now safe to show (possibly empty). */
    String offer(String piece) {
        if (stopped) {
            return "";
        }
        text.append(piece);
        int first = -1;
        for (String s : stops) {
            int at = text.indexOf(s, emitted);
            if (at >= 0 && (first < 0 || at < first)) {
                first = at;
            }
        }
        if (first >= 0) {
            stopped = true;
            text.setLength(first);
            return take(first);
        }
        return take(text.length() - heldBack());
    }

    /** At the end: everything not yet shown (empty once stopped: the rest was the stop string). */
    String finish() {
        return take(text.length());
    }

    boolean stopped() {
        return stopped;
    }

    /** The text so far, cut before a stop sequence. */
    String text() {
        return text.toString();
    }

    /** Longest suffix of the unemitted text that is a proper prefix of a stop string. */
    private int heldBack() {
        int best = 0;
        int open = text.length() - emitted;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, open); k > best; k--) {
                if (endsWithPrefix(s, k)) {
                    best = k;
                    break;
                }
            }
        }
        return best;
    }

    /** Whether the text ends with the first k characters of s. */
    private boolean endsWithPrefix(String s, int k) {
        int from = text.length() - k;
        for (int i = 0; i < k; i++) {
            if (text.charAt(from + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private String take(int upTo) {
        String out = text.substring(emitted, upTo);
        emitted = upTo;
        return out;
    }
}
