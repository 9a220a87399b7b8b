package dev.quill.autograd;

import java.util.Arrays;

/**
 * {@code VectorAttention}'s four loops written lane by lane in plain Java, giving the same bits: the scalar
 * twin that runs while the JIT has not yet compiled the vector code.
 *
 * <p>Why: until C2 compiles a method that uses the Vector API, every vector operation is a Java object
 * made and thrown away, tens of times slower than a scalar loop; on the baby model the first training step
 * spent about half its time there. Plain loops are fast within a few calls. {@code VectorAttention} runs
 * these twins until its own warm-up says the vector loops are compiled ({@code VectorWarmup}), then switches.
 * Since both forms do the same IEEE operations in the same order on every output element (fma chains in the
 * order of the sum, lane-wise partial sums added in lane order, the same exp formula), the switch never
 * changes a result: training is reproducible whenever the JIT gets there. {@code LaneLoopsTest} checks
 * each twin against its vector form, bit for bit.
 *
 * <p>Every method takes the vector width {@code lanes} (8 floats with AVX2, 16 with AVX-512): it fixes which
 * partial sum an element joins, and how far a row is rounded up.
 */
final class LaneLoops {

    private LaneLoops() {
    }

    /**
     * out[i, j] = sum_{c &lt; d} a[i, c] bT[c, j] for rows i &lt; t (in pairs) and columns j &lt;= i rounded up to
     * whole vectors, each sum an fma chain over c in order (VectorAttention.lower).
     */
    static void lower(float[] a, int as, float[] bT, int bs, float[] out, int d, int t, int lanes) {
        for (int i = 0; i < t; i += 2) {
            int ra = i * as, rb = ra + as, ro = i * bs, ro1 = ro + bs;
            int n = Math.min(bs, (i + 2 + lanes - 1) / lanes * lanes);
            Arrays.fill(out, ro, ro + n, 0f);
            Arrays.fill(out, ro1, ro1 + n, 0f);
            for (int c = 0; c < d; c++) {
                axpy(bT, c * bs, a[ra + c], out, ro, n);
                axpy(bT, c * bs, a[rb + c], out, ro1, n);
            }
        }
    }

    /**
     * out[r, :] = sum_s c(r, s) x[s, :], rows in pairs, over s in [0, r + 1] (lower) or [r, t), each sum an
     * fma chain over s in order (VectorAttention.mix, which explains c(r, s)).
     */
    static void mix(float[] w, int ws, float[] x, int xs, float[] out, int os, int t, boolean lower) {
        int step = lower ? 1 : ws;
        for (int r = 0; r < t; r += 2) {
            int from = lower ? 0 : r, to = lower ? Math.min(r + 2, t) : t;
            int c0 = lower ? r * ws : r, c1 = lower ? c0 + ws : c0 + 1;
            int o0 = r * os, o1 = o0 + os;
            Arrays.fill(out, o0, o0 + xs, 0f);
            Arrays.fill(out, o1, o1 + xs, 0f);
            for (int s = from; s < to; s++) {
                axpy(x, s * xs, w[c0 + s * step], out, o0, xs);
                axpy(x, s * xs, w[c1 + s * step], out, o1, xs);
            }
        }
    }

    /** out[o + j] = fma(x[xo + j], u, out[o + j]) for j &lt; n: one loop C2 turns into vector instructions. */
    private static void axpy(float[] x, int xo, float u, float[] out, int o, int n) {
        for (int j = 0; j < n; j++) {
            out[o + j] = Math.fma(x[xo + j], u, out[o + j]);
        }
    }

    /** The softmax of rows i &lt; t over keys j &lt;= i, zeros elsewhere (VectorAttention.softmaxRows). */
    static void softmaxRows(float[] s, int ss, int t, float scale, int lanes) {
        float[] sum = new float[lanes];
        for (int i = 0; i < t; i++) {
            int o = i * ss, n = i + 1, nv = Math.min(ss, (n + lanes - 1) / lanes * lanes);
            Arrays.fill(s, o + n, o + nv, Float.NEGATIVE_INFINITY);
            float mx = s[o];
            for (int j = 1; j < nv; j++) {
                mx = Math.max(mx, s[o + j]);
            }
            float max = mx * scale;
            Arrays.fill(sum, 0f);
            for (int j = 0; j < nv; j++) {
                float e = exp(s[o + j] * scale - max);
                s[o + j] = e;
                sum[j % lanes] += e;
            }
            float inv = 1f / inLaneOrder(sum);
            for (int j = 0; j < nv; j++) {
                s[o + j] *= inv;
            }
            Arrays.fill(s, o + n, o + ss, 0f);
        }
        Arrays.fill(s, t * ss, s.length, 0f);
    }

    /** dS = P * (dP * M - rowsum(dP * M * P)) * scale in place on g (VectorAttention.softmaxBackwardRows). */
    static void softmaxBackwardRows(float[] g, float[] p, float[] m, int ss, int t, float scale, int lanes) {
        float[] dot = new float[lanes];
        for (int i = 0; i < t; i++) {
            int o = i * ss, nv = Math.min(ss, (i + 1 + lanes - 1) / lanes * lanes);
            Arrays.fill(dot, 0f);
            for (int j = 0; j < nv; j++) {
                float gj = g[o + j];
                if (m != null) {
                    gj *= m[o + j];
                    g[o + j] = gj;
                }
                dot[j % lanes] = Math.fma(gj, p[o + j], dot[j % lanes]);
            }
            float rowDot = inLaneOrder(dot);
            for (int j = 0; j < nv; j++) {
                g[o + j] = (g[o + j] - rowDot) * p[o + j] * scale;
            }
            Arrays.fill(g, o + nv, o + ss, 0f);
        }
        Arrays.fill(g, t * ss, g.length, 0f);
    }

    private static float inLaneOrder(float[] lanes) {
        float s = lanes[0];
        for (int k = 1; k < lanes.length; k++) {
            s += lanes[k];
        }
        return s;
    }

    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float EXP_MIN = -87.33654f;
    private static final float ROUND = 12582912f;           // 1.5 * 2^23

    /** VectorAttention.exp for one lane: the same operations, so the same bits. */
    static float exp(float x) {
        float xc = Math.max(x, EXP_MIN);
        float nr = xc * LOG2E + ROUND;
        float n = nr - ROUND;
        float r = xc - n * LN2_HI - n * LN2_LO;
        float e = ((((((r * (1f / 5040) + 1f / 720) * r + 1f / 120) * r + 1f / 24) * r + 1f / 6) * r + 0.5f) * r + 1f)
                * r + 1f;
        int bits = (Float.floatToRawIntBits(nr) - (Float.floatToRawIntBits(ROUND) - 127)) << 23;  // 2^n
        return e * Float.intBitsToFloat(bits);
    }
}
