package dev.quill.generate;

import dev.quill.config.BadInputException;
import java.util.Locale;

/**
 * Which tokens of a file an evaluation reads, with n tokens and cut = floor(n * (1 - val_fraction)) computed
 * in double: {@code TRAIN} is [0, cut), {@code VAL} is [cut, n), {@code ALL} is [0, n). The same cut as the
 * training split, so "val" is text the model did not train on.
 */
public enum EvalSplit {
    /** The tokens the model trained on: [0, cut). */
    TRAIN,
    /** The held-out tokens: [cut, n). */
    VAL,
    /** Every token: [0, n). */
    ALL;

    /**
     * @param n           the number of tokens in the file
     * @param valFraction the training run's val_fraction, in [0, 1)
     * @return {@code {begin, end}} of this split among the n tokens
     * @throws BadInputException for a fraction out of range
     */
    public long[] range(long n, double valFraction) {
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new BadInputException("eval.val_fraction = " + valFraction + ": must be in [0, 1)");
        }
        long cut = (long) Math.floor(n * (1.0 - valFraction));
        return switch (this) {
            case TRAIN -> new long[] {0, cut};
            case VAL -> new long[] {cut, n};
            case ALL -> new long[] {0, n};
        };
    }

    /**
     * @param name "train", "val" or "all", in any case
     * @return the split of that name
     * @throws BadInputException for another name
     */
    public static EvalSplit parse(String name) {
        for (EvalSplit s : values()) {
            if (s.name().equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new BadInputException("eval.split = \"" + name + "\": must be \"train\", \"val\" or \"all\"");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
