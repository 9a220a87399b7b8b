package dev.quill.data.sft;

/**
 * Where every conversation of a fine-tuning set went, for the log: each stage counts what it removed.
 * <pre>
 *   read -&gt; dedup -&gt; encode -&gt; length filters -&gt; split (train / val) -&gt; cap train -&gt; rows
 *   read = duplicates + notEncodable + tooShort + tooLong + overCap + train + val + untrainable (both sides)
 * </pre>
 *
 * @param source           the file read
 * @param read             conversations read (lines or transcript groups), after skipped lines
 * @param skips            lines or turns skipped by the reader or extractor, with reasons
 * @param duplicates       exact duplicates dropped ({@code dedup})
 * @param notEncodable     conversations the tokenizer could not encode, skipped ({@code skip_bad_lines})
 * @param tooShort         rendered shorter than {@code min_tokens}
 * @param tooLong          rendered longer than {@code max_tokens}
 * @param overCap          training conversations beyond {@code max_train_examples}
 * @param train            training rows
 * @param val              validation rows
 * @param truncatedTrain   training rows cut to block_size + 1 tokens
 * @param truncatedVal     validation rows cut to block_size + 1 tokens
 * @param untrainableTrain training conversations dropped because truncation left no trained target
 * @param untrainableVal   validation conversations dropped for the same reason
 * @param trainTargets     trained targets (assistant tokens) over all training rows
 * @param valTargets       trained targets over all validation rows
 */
public record SftSummary(String source, int read, SkipReport skips, int duplicates, int notEncodable, int tooShort,
                         int tooLong, int overCap, int train, int val, int truncatedTrain, int truncatedVal,
                         int untrainableTrain, int untrainableVal, long trainTargets, long valTargets) {

    /**
     * One line for the log.
     *
     * @return every count, in pipeline order
     */
    public String summary() {
        return source + ": read " + read + " conversations (" + skips.summary() + "); dropped " + duplicates
                + " duplicates, " + notEncodable + " not encodable, " + tooShort + " shorter than min_tokens, " + tooLong
                + " longer than max_tokens, " + overCap + " over max_train_examples; train " + train + " rows ("
                + truncatedTrain + " truncated, " + untrainableTrain + " dropped with nothing left to train, "
                + trainTargets + " trained tokens), val " + val + " rows (" + truncatedVal + " truncated, "
                + untrainableVal + " dropped, " + valTargets + " trained tokens)";
    }
}
