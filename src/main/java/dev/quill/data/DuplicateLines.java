package dev.quill.data;

import java.util.HashSet;

/**
 * Exact duplicate lines, the simplest data-quality check: a non-empty line is a duplicate when the same
 * line (same characters, no trimming) appeared earlier. Empty lines are never duplicates; they are the
 * paragraph breaks of the text, not content.
 *
 * <p>Removing them is off by default: in a play, "First Citizen:" repeats on purpose.
 */
public final class DuplicateLines {

    private DuplicateLines() {
    }

    /** Counts of a text's lines. */
    public record Counts(long lines, long nonEmptyLines, long duplicates) {
        /** {@return duplicates as a share of non-empty lines (0 when there are none)} */
        public double share() {
            return nonEmptyLines == 0 ? 0 : (double) duplicates / nonEmptyLines;
        }
    }

    /**
     * Counts lines (a final newline does not start another line), non-empty lines and duplicates.
     *
     * @param text any text; lines end at {@code '\n'}
     * @return the counts
     */
    public static Counts count(String text) {
        var seen = new HashSet<String>();
        long lines = 0;
        long nonEmpty = 0;
        long duplicates = 0;
        for (String line : lines(text)) {
            lines++;
            if (!line.isEmpty()) {
                nonEmpty++;
                if (!seen.add(line)) {
                    duplicates++;
                }
            }
        }
        return new Counts(lines, nonEmpty, duplicates);
    }

    /**
     * @param text any text; lines end at {@code '\n'}
     * @return the text without its duplicate lines (the first copy of each stays, as do empty lines)
     */
    public static String remove(String text) {
        var seen = new HashSet<String>();
        var out = new StringBuilder(text.length());
        for (String line : lines(text)) {
            if (line.isEmpty() || seen.add(line)) {
                out.append(line).append('\n');
            }
        }
        if (!text.endsWith("\n") && out.length() > 0) {
            out.setLength(out.length() - 1);
        }
        return out.toString();
    }

    private static String[] lines(String text) {
        if (text.isEmpty()) {
            return new String[0];
        }
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        return body.split("\n", -1);
    }
}
