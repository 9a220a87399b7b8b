package dev.quill.model;

import dev.quill.autograd.Parallel;

/**
 * A weight W (out, in) in int8 with one scale per output row (weight-only quantization: activations stay
 * F32). Quantized once, when made:
 * <pre>
 *   s[o] = max_i |W[o, i]| / 127;   q[o, i] = round(W[o, i] / s[o]), in -127 .. 127   (q = 0 where s = 0)
 * </pre>
 * so that |W[o, i] - s[o] q[o, i]| &lt;= s[o] / 2, and dequantized inside the dot product:
 * y[o] = b[o] + s[o] (q[o, :] . x). A decode step reads a quarter of the F32 bytes. A row's scale follows
 * its own largest weight, so one outlier row costs only that row's precision.
 */
final class Int8Weight implements RowWeight {

    /** The largest magnitude an int8 value takes here (symmetric: -128 is not used). */
    static final int QMAX = 127;

    private final byte[] q;         // (out, in) row-major
    private final float[] scale;    // (out)
    private final int out;
    private final int in;

    /**
     * Quantizes W, one row at a time (no second F32 copy of the whole matrix is made).
     *
     * @param w the F32 weight (out, in), read row by row; not kept
     */
    Int8Weight(RowWeight w) {
        this.out = w.rows();
        this.in = w.cols();
        this.q = new byte[Math.multiplyExact(out, in)];
        this.scale = new float[out];
        float[] row = new float[in];
        for (int o = 0; o < out; o++) {
            w.row(o, row);
            scale[o] = quantizeRow(row, 0, in, q, o * in);
        }
    }

    /**
     * Quantizes n values w[from ..] into q[to ..] with their absmax scale.
     *
     * @return the scale s, so that w ~ s q
     */
    static float quantizeRow(float[] w, int from, int n, byte[] q, int to) {
        float max = 0f;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, Math.abs(w[from + i]));
        }
        float s = max / QMAX;
        for (int i = 0; i < n; i++) {
            q[to + i] = s == 0f ? 0 : (byte) Math.max(-QMAX, Math.min(QMAX, Math.round(w[from + i] / s)));
        }
        return s;
    }

    @Override
    public int rows() {
        return out;
    }

    @Override
    public int cols() {
        return in;
    }

    /** {@return the scale of row o} */
    float scale(int o) {
        return scale[o];
    }

    /** {@return the int8 value at row o, column i} */
    byte value(int o, int i) {
        return q[o * in + i];
    }

    @Override
    public void row(int o, float[] dst) {
        float s = scale[o];
        for (int i = 0; i < in; i++) {
            dst[i] = s * q[o * in + i];
        }
    }

    @Override
    public void apply(float[][] x, int t, float[] bias, float[][] y) {
        boolean vector = RowDots.vector();
        Parallel.range(out, Math.max(1, StreamedWeight.MIN_PIECE_MACS / in), 1, (from, to) -> {
            for (int o = from; o < to; o++) {
                float b = bias == null ? 0f : bias[o];
                for (int r = 0; r < t; r++) {
                    y[r][o] = b + scale[o] * RowDots.dotInt8(vector, q, o * in, x[r], in);
                }
            }
        });
    }
}
