package dev.quill.data.sft;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * What a reader used and what it left out, and why: nothing is dropped without being counted here.
 * For each reason, the count and the first {@value #FIRST_LINES} line numbers, so a user can open the
 * file at a bad line. {@link #summary()} is the one-line form that gets logged:
 * {@code used 120, skipped 3: malformed JSON 2 (lines 4, 9); no assistant message 1 (line 12)}.
 *
 * @param used       records used (conversations read)
 * @param counts     reason to the number of records skipped for it, in the order first seen
 * @param firstLines reason to the first few 1-based line numbers skipped for it
 */
public record SkipReport(int used, Map<String, Integer> counts, Map<String, List<Integer>> firstLines) {

    /** How many line numbers are kept per reason. */
    public static final int FIRST_LINES = 5;

    /**
     * Copies the maps, keeping their order.
     *
     * @param used records used
     * @param counts reason to count
     * @param firstLines reason to first line numbers
     */
    public SkipReport {
        counts = Collections.unmodifiableMap(new LinkedHashMap<>(counts));
        var lines = new LinkedHashMap<String, List<Integer>>();
        firstLines.forEach((k, v) -> lines.put(k, List.copyOf(v)));
        firstLines = Collections.unmodifiableMap(lines);
    }

    /**
     * A report of {@code used} records and nothing skipped.
     *
     * @param used records used
     * @return the report
     */
    public static SkipReport none(int used) {
        return new SkipReport(used, Map.of(), Map.of());
    }

    /**
     * Records skipped, over all reasons.
     *
     * @return the total
     */
    public int skipped() {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * One line for a log: used, skipped, then each reason with its count and first line numbers.
     *
     * @return the summary
     */
    public String summary() {
        var sb = new StringBuilder("used " + used + ", skipped " + skipped());
        if (!counts.isEmpty()) {
            var reasons = new StringJoiner("; ", ": ", "");
            counts.forEach((reason, n) -> {
                List<Integer> lines = firstLines.getOrDefault(reason, List.of());
                String where = lines.isEmpty() ? "" : " (line" + (lines.size() > 1 ? "s " : " ")
                        + String.join(", ", lines.stream().map(String::valueOf).toList()) + (n > lines.size() ? ", ..." : "") + ")";
                reasons.add(reason + " " + n + where);
            });
            sb.append(reasons);
        }
        return sb.toString();
    }

    /** Counts skips as a reader finds them. */
    static final class Builder {
        private final Map<String, Integer> counts = new LinkedHashMap<>();
        private final Map<String, List<Integer>> lines = new LinkedHashMap<>();

        /** One record skipped for {@code reason} at 1-based {@code line}. */
        void skip(String reason, int line) {
            counts.merge(reason, 1, Integer::sum);
            List<Integer> first = lines.computeIfAbsent(reason, r -> new ArrayList<>());
            if (first.size() < FIRST_LINES) {
                first.add(line);
            }
        }

        SkipReport build(int used) {
            return new SkipReport(used, counts, lines);
        }
    }
}
