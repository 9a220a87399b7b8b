package dev.quill.data;

/**
 * What a corpus looks like through a tokenizer, printed before training so a run says what it trained
 * on.
 *
 * @param characters          Unicode code points in the text
 * @param tokens              ids the tokenizer makes of it
 * @param vocabSize           the tokenizer's vocabulary size
 * @param lines               lines in the text
 * @param duplicateLines      non-empty lines that repeat an earlier line exactly
 * @param duplicateLineShare  {@code duplicateLines} over non-empty lines
 */
public record DataReport(long characters, long tokens, int vocabSize, long lines, long duplicateLines,
                         double duplicateLineShare) {

    /**
     * Checks that the counts are consistent.
     *
     * @param characters         0 or more
     * @param tokens             0 or more
     * @param vocabSize          positive
     * @param lines              0 or more
     * @param duplicateLines     in [0, lines]
     * @param duplicateLineShare in [0, 1]
     * @throws IllegalArgumentException when they are not
     */
    public DataReport {
        if (characters < 0 || tokens < 0 || vocabSize <= 0 || lines < 0 || duplicateLines < 0 || duplicateLines > lines) {
            throw new IllegalArgumentException("inconsistent data report");
        }
    }

    /**
     * Measures {@code text} as encoded by {@code tokenizer} into {@code ids}.
     *
     * @param text      the corpus
     * @param ids       its encoding
     * @param tokenizer the tokenizer that made {@code ids}
     * @return the report
     */
    public static DataReport of(String text, int[] ids, Tokenizer tokenizer) {
        var counts = DuplicateLines.count(text);
        return new DataReport(text.codePointCount(0, text.length()), ids.length, tokenizer.vocabSize(),
                counts.lines(), counts.duplicates(), counts.share());
    }

    /** {@return the average characters per token: 1 for a character tokenizer, more for BPE (0 for no tokens)} */
    public double charactersPerToken() {
        return tokens == 0 ? 0 : (double) characters / tokens;
    }

    /** One line for the log. */
    @Override
    public String toString() {
        return String.format("%,d characters, %,d tokens (%.2f characters/token), vocabulary %,d, %,d lines, "
                        + "%,d duplicate lines (%.1f%% of non-empty)",
                characters, tokens, charactersPerToken(), vocabSize, lines, duplicateLines, 100 * duplicateLineShare);
    }
}
