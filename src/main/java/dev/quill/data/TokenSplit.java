package dev.quill.data;

import dev.quill.config.BadInputException;

/**
 * A token-level train/validation split: the first {@code floor(n * (1 - valFraction))} tokens train, the
 * rest validate, as in nanoGPT. Cutting the sequence once (rather than sampling windows for each side)
 * means no validation text can leak into training, except across the single cut.
 *
 * <p>Tiny Shakespeare with the character tokenizer: 1,115,394 tokens, so 1,003,854 train and 111,540
 * validate at the default fraction 0.1.
 *
 * @param train the first part
 * @param val   the rest
 */
public record TokenSplit(Tokens train, Tokens val) {

    /** nanoGPT's default validation share. */
    public static final double DEFAULT_VAL_FRACTION = 0.1;

    /**
     * Splits {@code all}; both parts are views, nothing is copied.
     *
     * @param all         the whole corpus's tokens
     * @param valFraction share of tokens for validation, in [0, 1)
     * @return the split
     * @throws BadInputException for a fraction out of range
     */
    public static TokenSplit of(Tokens all, double valFraction) {
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new BadInputException("val_fraction must be in [0, 1), not " + valFraction);
        }
        long n = all.size();
        long nTrain = (long) Math.floor(n * (1.0 - valFraction));
        if (nTrain == 0) {
            throw new BadInputException("a corpus of " + n + " tokens leaves no training tokens at val_fraction "
                    + valFraction + ": use more text or a smaller val_fraction");
        }
        return new TokenSplit(all.slice(0, nTrain), all.slice(nTrain, n));
    }

    /**
     * Splits with the default fraction 0.1.
     *
     * @param all the whole corpus's tokens
     * @return the split
     */
    public static TokenSplit of(Tokens all) {
        return of(all, DEFAULT_VAL_FRACTION);
    }
}
