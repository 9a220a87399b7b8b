package dev.quill.autograd;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * One thread's padded copies of an attention head, for {@code VectorAttention}:
 * (tp, dp) for q, k, v, dy and an output, (tp, tp) for the scores and the rest, where tp
 * and dp are T and hs rounded up to whole vectors of {@code lanes} floats. Rows and columns past T and hs are
 * zeros, so no loop has a scalar tail and a padded row or column adds nothing to a sum.
 */
final class HeadCopies {

    private static final ThreadLocal<HeadCopies> MINE = new ThreadLocal<>();

    final int tp;
    final int dp;
    final float[] q;
    final float[] k;
    final float[] v;
    final float[] g;
    final float[] y;
    final float[] kt; // (dp, tp): k^T or v^T
    final float[] s;  // scores, then P
    final float[] m;
    final float[] a;  // A = P * M, or dP then dS

    private HeadCopies(int tp, int dp) {
        this.tp = tp;
        this.dp = dp;
        q = new float[tp * dp];
        k = new float[tp * dp];
        v = new float[tp * dp];
        g = new float[tp * dp];
        y = new float[tp * dp];
        kt = new float[dp * tp];
        s = new float[tp * tp];
        m = new float[tp * tp];
        a = new float[tp * tp];
    }

    /** This thread's copies for heads of t rows of d columns, made on first use and when the shape changes. */
    static HeadCopies get(int t, int d, int lanes) {
        int tp = (t + lanes - 1) / lanes * lanes, dp = (d + lanes - 1) / lanes * lanes;
        HeadCopies w = MINE.get();
        if (w == null || w.tp != tp || w.dp != dp) {
            w = new HeadCopies(tp, dp);
            MINE.set(w);
        }
        return w;
    }

    /**
     * Where a (B, nh, T, X) FLOAT array's heads and rows are in its storage: head h = b nh + i starts at element
     * base + b batchStride + i headStride of buf, and its rows are rowStride apart. A plain array has strides
     * (nh T X, T X, X); q of the packed (B, T, 3C) projection, read in place, has (3 T C, hs, 3 C).
     */
    record Head(FloatBuffer buf, int base, int nh, int batchStride, int headStride, int rowStride) {
        int start(int h) {
            return base + h / nh * batchStride + h % nh * headStride;
        }
    }

    /** Head h (t rows of cols) into dst (tp rows of stride ds), zeros in the padding. */
    void load(Head src, int h, int t, int cols, float[] dst, int ds) {
        int from = src.start(h), rs = src.rowStride();
        if (cols == ds && rs == cols) {
            src.buf().get(from, dst, 0, t * cols);
        } else {
            for (int r = 0; r < t; r++) {
                src.buf().get(from + r * rs, dst, r * ds, cols);
                Arrays.fill(dst, r * ds + cols, (r + 1) * ds, 0f);
            }
        }
        Arrays.fill(dst, t * ds, tp * ds, 0f);
    }

    /** The first t rows and cols columns of src (stride ss) into head h. */
    void store(Head dst, int h, int t, int cols, float[] src, int ss) {
        int to = dst.start(h), rs = dst.rowStride();
        if (cols == ss && rs == cols) {
            dst.buf().put(to, src, 0, t * cols);
        } else {
            for (int r = 0; r < t; r++) {
                dst.buf().put(to + r * rs, src, r * ss, cols);
            }
        }
    }
}
