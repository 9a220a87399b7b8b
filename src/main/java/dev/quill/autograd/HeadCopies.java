package dev.quill.autograd;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * One thread's padded copies of an attention head, for {@code VectorAttention}:
 * (tp, dp) for q, k, v, dy and an output, (tp, tp) for the scores and the rest, where tp
 * and dp are T and hs rounded up to whole vectors of {@code lanes} floats. Rows and columns past T and hs are
 * zeros, so no loop has a scalar tail and a padded row or column adds nothing to a sum.
 *
 * <p>When T and hs are already whole vectors, no padding is needed, and a sequence's heads can be read where
 * they lie in a copy of the whole sequence: the packed (B, T, 3C) projection holds one sequence's q, k and v
 * in one stretch of T * 3C floats, which one bulk copy brings over ({@link Span}), instead of three copies of
 * T rows of hs floats per head (each row a call: ~20 ns for 128 bytes). Outputs go the same way back.
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
    private float[] in = new float[0];   // a sequence's stretch of the input (q, k, v), grown when needed
    private float[] grad = new float[0]; // a sequence's stretch of dy
    private float[] out = new float[0];  // a sequence's stretch of the output (y, or dq, dk, dv)

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

    /**
     * One stretch of a buffer holding all of a sequence's heads of one or more layouts (q, k and v of the
     * packed projection, say), so that one bulk copy moves them: sequence b's is
     * {@code [first + b batchStride, first + b batchStride + length)}.
     */
    record Span(int first, int batchStride, int length) {

        /** Stretches longer than this (in floats) are not copied whole: the heads go one by one. */
        static final int MAX_LENGTH = 1 << 20;

        /**
         * The stretch of these layouts (one buffer, one nh and batch stride) covering t rows of d columns of every
         * head, or null where heads need padding (t or d not whole vectors of {@code lanes}), the layouts do
         * not share a buffer, or the stretch is too long.
         */
        static Span of(int t, int d, int lanes, Head... heads) {
            Head h0 = heads[0];
            if (t % lanes != 0 || d % lanes != 0 || h0 == null) {
                return null;
            }
            long lo = Long.MAX_VALUE, hi = Long.MIN_VALUE;
            for (Head x : heads) {
                if (x == null || x.buf() != h0.buf() || x.nh() != h0.nh() || x.batchStride() != h0.batchStride()) {
                    return null;
                }
                lo = Math.min(lo, x.start(0));                         // the strides are positive: the ends are
                hi = Math.max(hi, x.start(x.nh() - 1) + (long) (t - 1) * x.rowStride() + d); // the first and last head
            }
            return hi - lo > MAX_LENGTH ? null : new Span((int) lo, h0.batchStride(), (int) (hi - lo));
        }

        int start(int b) {
            return first + b * batchStride;
        }

        /** Whether heads of t rows of d columns, nh per sequence in each of {@code layouts}, fill the stretch. */
        boolean filledBy(int layouts, int nh, int t, int d) {
            return length == (long) layouts * nh * t * d;
        }
    }

    /** Where a head's t rows are: in array a from index off, rows stride apart. */
    record Rows(float[] a, int off, int stride) {
    }

    /** Sequence b's stretch of an input, copied into this thread's {@code in} array. */
    float[] copyIn(FloatBuffer buf, Span s, int b) {
        in = copy(buf, s, b, in);
        return in;
    }

    /** Sequence b's stretch of dy, copied into this thread's {@code grad} array. */
    float[] copyGrad(FloatBuffer buf, Span s, int b) {
        grad = copy(buf, s, b, grad);
        return grad;
    }

    private static float[] copy(FloatBuffer buf, Span s, int b, float[] into) {
        float[] a = into.length >= s.length() ? into : new float[s.length()];
        buf.get(s.start(b), a, 0, s.length());
        return a;
    }

    /** This thread's array for a sequence's stretch of an output, written by the heads and then by {@link #copyOut}. */
    float[] outFor(Span s) {
        if (out.length < s.length()) {
            out = new float[s.length()];
        }
        return out;
    }

    /** The stretch from {@link #outFor}, written by every head of sequence b, into its place in buf. */
    void copyOut(FloatBuffer buf, Span s, int b) {
        buf.put(s.start(b), out, 0, s.length());
    }

    /**
     * Head h of src: where it lies in x, the copy of its sequence's stretch that starts at element xb of the
     * buffer, or (x null) copied into dst with stride ds.
     */
    Rows rows(Head src, int h, int t, int cols, float[] x, int xb, float[] dst, int ds) {
        if (x != null) {
            return new Rows(x, src.start(h) - xb, src.rowStride());
        }
        load(src, h, t, cols, dst, ds);
        return new Rows(dst, 0, ds);
    }

    /** Where head h of an output goes: its place in o (the sequence's stretch, from element ob), or (o null) tmp. */
    static Rows target(Head dst, int h, float[] o, int ob, float[] tmp, int ts) {
        return o != null ? new Rows(o, dst.start(h) - ob, dst.rowStride()) : new Rows(tmp, 0, ts);
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
