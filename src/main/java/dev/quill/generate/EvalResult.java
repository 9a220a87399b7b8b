package dev.quill.generate;

/**
 * The figures of one evaluation.
 *
 * @param split      what was read ("train", "val", "all", or a caller's label)
 * @param loss       mean cross-entropy in nats per predicted token
 * @param perplexity exp(loss)
 * @param tokens     predicted tokens: windows * block_size
 * @param windows    windows of block_size + 1 tokens
 */
public record EvalResult(String split, double loss, double perplexity, long tokens, long windows) {

    @Override
    public String toString() {
        return String.format("%s: loss %.6f, perplexity %.4f over %d tokens in %d windows", split, loss, perplexity,
                tokens, windows);
    }
}
