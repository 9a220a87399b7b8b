package dev.quill.generate;

/**
 * The repetition penalty of CTRL (Keskar et al., 2019) in the form Hugging Face applies it: for every
 * distinct token id already generated,
 * <pre>
 *   x_i' = x_i / r   if x_i > 0
 *   x_i' = x_i * r   otherwise
 * </pre>
 * so with r > 1 a seen token always becomes less likely (dividing a positive logit and multiplying a
 * negative one both push it down). r = 1 changes nothing. Each id is penalized once, however often it
 * occurred. Quill applies it to the generated tokens only, not the prompt (Hugging Face includes the prompt).
 */
public final class RepetitionPenalty {

    private final double r;

    /**
     * @param r the penalty, positive and finite; 1 changes nothing
     * @throws IllegalArgumentException for another value
     */
    public RepetitionPenalty(double r) {
        if (!(r > 0) || Double.isInfinite(r)) {
            throw new IllegalArgumentException("repetition penalty must be a positive finite number, got " + r);
        }
        this.r = r;
    }

    /**
     * Penalizes, in place, the logits of the distinct ids among {@code seen[0 .. count)}.
     *
     * @param x     one row of logits, modified
     * @param seen  the ids generated so far (ids outside the row are ignored)
     * @param count how many of {@code seen} count
     */
    public void apply(double[] x, int[] seen, int count) {
        if (r == 1.0) {
            return;
        }
        boolean[] done = new boolean[x.length];
        for (int n = 0; n < count; n++) {
            int id = seen[n];
            if (id < 0 || id >= x.length || done[id]) {
                continue;
            }
            done[id] = true;
            x[id] = x[id] > 0 ? x[id] / r : x[id] * r;
        }
    }

    /** {@return r} */
    public double value() {
        return r;
    }
}
