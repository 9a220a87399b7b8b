package dev.quill.autograd;

import dev.quill.autograd.HeadCopies.Head;
import dev.quill.autograd.HeadCopies.Rows;
import dev.quill.autograd.HeadCopies.Span;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Causal attention in FLOAT, one head at a time, in SIMD registers through the JDK's Vector API (the
 * incubator module {@code jdk.incubator.vector}, used only where {@link Kernels#vector} says it is there).
 * The math is {@link AttentionCore}'s:
 * <pre>
 *   S = q k^T scale;  P = softmax(mask(S));  A = P * M;  y = A v
 *   dv = A^T dy;  dP = (dy v^T) * M;  dS = P * (dP - rowsum(dP * P)) * scale;  dq = dS k;  dk = dS^T q
 * </pre>
 * A head's products are (T x T x hs), too small for BLAS to reach its speed (ND4J's batched call ran at
 * about a quarter of this machine's GEMM peak at T = 64, hs = 32), and half of each product is spent on the
 * masked keys j &gt; i, where P, A and dS are exactly 0. The six products are two loops that skip that half:
 * <pre>
 *   lower:  out[i, j] = sum_c a[i, c] bT[c, j]         for j &lt;= i          (S from q and k^T, dP from dy and v^T)
 *   mix:    out[r, :] = sum_s w[r, s] x[s, :]          over s &lt;= r (y = A v, dq = dS k)
 *                                                      or s &gt;= r (dv = A^T dy, dk = dS^T q, w transposed)
 * </pre>
 * each keeping a block of outputs in registers while it runs over the sum (lower: 2 rows x 2 vectors; mix: 4
 * rows x 2 vectors, then 2 rows at a time for the rows after the last block of 4). A
 * head is first copied into per-thread arrays whose rows and columns are padded with zeros to whole
 * vectors (so no loop has a scalar tail, and a padded row or column adds nothing to a sum). Where T and hs
 * are whole vectors already, a sequence's heads are read in place from one copy of the whole sequence
 * instead, and written back the same way ({@link HeadCopies.Span}): in the baby model that took a layer's
 * forward and backward from 2.6-3.2 to 2.2-2.3 ms on one thread ({@code AttentionBench.qkvForwardBackward}).
 */
final class VectorAttention {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private VectorAttention() {
    }

    /**
     * y = softmax(mask(q k^T scale)) (* M) v for FLOAT (B, nh, T, hs) arrays q, k, v, y (views whose last axis
     * has stride 1: see {@link Head});
     * writes the probabilities into p (B, nh, T, T). m draws the dropout mask (shaped as p), or is null.
     */
    static void forward(INDArray q, INDArray k, INDArray v, INDArray p, Dropout.Draws m, INDArray y, double scale) {
        int t = (int) q.size(2), d = (int) q.size(3);
        Head[] h = heads(q, k, v, p, y);
        Span in = Span.of(t, d, L, h[0], h[1], h[2]), out = outputs(t, d, h[4]);
        int[] cut = split(q, in != null);
        Parallel.forEach(cut.length - 1, i -> forward(h[0], h[1], h[2], h[3], m, h[4], in, out, t, d, (float) scale,
                cut[i], cut[i + 1]));
    }

    /** dq, dk, dv (each may be null) from dy, with p and m as the forward left them. */
    static void backward(INDArray q, INDArray k, INDArray v, INDArray p, Dropout.Draws m, INDArray dy,
                         INDArray dq, INDArray dk, INDArray dv, double scale) {
        int t = (int) q.size(2), d = (int) q.size(3);
        Head[] h = heads(q, k, v, p, dy, dq, dk, dv);
        Span in = Span.of(t, d, L, h[0], h[1], h[2]), grad = Span.of(t, d, L, h[4]);
        Span out = outputs(t, d, h[5], h[6], h[7]);
        int[] cut = split(q, in != null);
        Parallel.forEach(cut.length - 1, i -> backward(h[0], h[1], h[2], h[3], m, h[4], h[5], h[6], h[7], in, grad,
                out, t, d, (float) scale, cut[i], cut[i + 1]));
    }

    /** Whether the sequences of these heads (each (B, nh, T, hs), views of one array) are copied in whole. */
    static boolean copiesWhole(INDArray q, INDArray k, INDArray v) {
        Head[] h = heads(q, k, v);
        return Span.of((int) q.size(2), (int) q.size(3), L, h) != null;
    }

    /** The stretch of these output layouts, if their heads fill it (so a bulk copy overwrites nothing else). */
    private static Span outputs(int t, int d, Head... heads) {
        Span s = Span.of(t, d, L, heads);
        return s != null && s.filledBy(heads.length, heads[0].nh(), t, d) ? s : null;
    }

    /**
     * One made-up head's forward and backward at the model's shape (q, k, v packed side by side as in the
     * (B, T, 3C) projection), over and over until the rounds run at compiled speed or {@code stop} says so:
     * until C2 has compiled these loops they run as Vector API objects, tens of times slower ({@link Warmup}).
     *
     * @param t       rows of a head
     * @param d       its width (the head size)
     * @param dropout whether to draw a dropout mask too (its branch then gets compiled as well)
     * @param stop    asked after every head
     */
    static void warmUp(int t, int d, boolean dropout, BooleanSupplier stop) {
        warmUp(t, d, dropout, () -> { }, stop);
    }

    /**
     * As {@link #warmUp(int, int, boolean, BooleanSupplier)}, running {@code alsoEachRound} after each head's
     * forward and backward (the scalar kernels' rounds), so the rounds stop once all of it runs compiled.
     *
     * @param t             rows of a head
     * @param d             its width (the head size)
     * @param dropout       whether to draw a dropout mask too
     * @param alsoEachRound more work for each round
     * @param stop          asked after every round
     */
    static void warmUp(int t, int d, boolean dropout, Runnable alsoEachRound, BooleanSupplier stop) {
        FloatBuffer qkv = CpuBlas.directFloats(t * 3 * d), p = CpuBlas.directFloats(t * t);
        FloatBuffer y = CpuBlas.directFloats(t * d), dy = CpuBlas.directFloats(t * d);
        FloatBuffer dqkv = CpuBlas.directFloats(t * 3 * d);
        for (int i = 0; i < t * 3 * d; i++) {
            qkv.put(i, (float) Math.sin(0.37 * i));
        }
        for (int i = 0; i < t * d; i++) {
            dy.put(i, (float) Math.cos(0.11 * i));
        }
        Head hq = new Head(qkv, 0, 1, t * 3 * d, t * 3 * d, 3 * d), hk = new Head(qkv, d, 1, t * 3 * d, t * 3 * d, 3 * d);
        Head hv = new Head(qkv, 2 * d, 1, t * 3 * d, t * 3 * d, 3 * d), hp = new Head(p, 0, 1, t * t, t * t, t);
        Head hdq = new Head(dqkv, 0, 1, t * 3 * d, t * 3 * d, 3 * d), hdk = new Head(dqkv, d, 1, t * 3 * d, t * 3 * d, 3 * d);
        Head hdv = new Head(dqkv, 2 * d, 1, t * 3 * d, t * 3 * d, 3 * d), hy = plain(y, t, d), hdy = plain(dy, t, d);
        Span in = Span.of(t, d, L, hq, hk, hv), grad = Span.of(t, d, L, hdy);   // whole copies where the model's
        Span out = outputs(t, d, hy), dOut = outputs(t, d, hdq, hdk, hdv);        // heads get them too
        float scale = (float) (1.0 / Math.sqrt(d));
        // until the rounds are compiled: past 4,096 rounds (C1's code comes first and plateaus too: here rounds
        // took ~190 ms interpreted, ~1 ms around round 50, 0.03 ms from about round 1,000), 256 in a row at
        // less than twice the fastest one's time
        long fastest = Long.MAX_VALUE, windowStart = System.nanoTime();
        for (long round = 1; !stop.getAsBoolean(); round++) {
            long t0 = System.nanoTime();
            Dropout.Draws m = dropout && (round & 1) == 1 ? new Dropout.Draws(round, 0.1) : null;
            forward(hq, hk, hv, hp, m, hy, in, out, t, d, scale, 0, 1);
            backward(hq, hk, hv, hp, m, hdy, hdq, hdk, hdv, in, grad, dOut, t, d, scale, 0, 1);
            alsoEachRound.run();
            long t1 = System.nanoTime();
            fastest = Math.min(fastest, t1 - t0);
            if (round % 256 == 0) {
                if (round >= 4096 && t1 - windowStart < 2 * 256 * fastest) {
                    return;
                }
                windowStart = t1;
            }
        }
    }

    private static Head plain(FloatBuffer b, int t, int d) {
        return new Head(b, 0, 1, t * d, t * d, d);
    }

    /**
     * The B * nh heads in pieces of about 2^20 multiply-adds or more (a hand-off costs tens of us); at whole
     * sequences when they are copied whole and there are sequences enough for every piece.
     */
    private static int[] split(INDArray q, boolean wholeSequences) {
        long t = q.size(2), perHead = 2 * t * t * q.size(3);   // the forward's two products, causal half
        int b = (int) q.size(0), nh = (int) q.size(1);
        int align = wholeSequences && b >= Parallel.threads() * Parallel.MAX_PIECES_PER_THREAD ? nh : 1;
        return Parallel.split(b * nh, (int) Math.max(1, (1L << 20) / Math.max(1, perHead)), align);
    }

    /**
     * The head layouts of these arrays (null stays null). Views of one array (each with a DataBuffer object of
     * its own, all at the same address) share one FloatBuffer, which is how {@link Span} knows them.
     */
    private static Head[] heads(INDArray... arrays) {
        Head[] h = new Head[arrays.length];
        for (int i = 0; i < arrays.length; i++) {
            if (arrays[i] == null) {
                continue;
            }
            FloatBuffer buf = null;
            for (int j = 0; j < i && buf == null; j++) {
                if (arrays[j] != null && arrays[j].data().address() == arrays[i].data().address()) {
                    buf = h[j].buf();
                }
            }
            h[i] = head(arrays[i], buf != null ? buf : arrays[i].data().asNioFloat());
        }
        return h;
    }

    /** The head layout of a (B, nh, T, X) array whose last axis has stride 1 (any view of that kind). */
    private static Head head(INDArray a, FloatBuffer buf) {
        long[] st = a.stride();
        if (a.rank() != 4 || st[3] != 1 && a.size(3) != 1) {
            throw new IllegalArgumentException("VectorAttention needs (B, nh, T, X) with unit stride along X, got "
                    + Shapes.str(a.shape()) + " strides " + Shapes.str(st));
        }
        return new Head(buf, Math.toIntExact(a.offset()), (int) a.size(1), Math.toIntExact(st[0]),
                Math.toIntExact(st[1]), Math.toIntExact(st[2]));
    }

    /**
     * Forward for heads [h0, h1) of c-order (heads, T, hs) storage: writes P (heads, T, T), which the
     * backward reads, and y. {@code m} (draws the dropout mask, 0 or 1/(1 - p)) is null without dropout.
     * A sequence whose heads are all in the range is copied in whole when {@code in} is given (q, k, v) and
     * out whole when {@code out} is (y); other heads are copied one by one.
     */
    private static void forward(Head q, Head k, Head v, Head p, Dropout.Draws m, Head y, Span in, Span out,
                                int t, int d, float scale, int h0, int h1) {
        HeadCopies w = HeadCopies.get(t, d, L);
        int nh = q.nh();
        for (int h = h0; h < h1; ) {
            int b = h / nh;
            boolean whole = in != null && h % nh == 0 && h + nh <= h1;
            float[] x = whole ? w.copyIn(q.buf(), in, b) : null, o = whole && out != null ? w.outFor(out) : null;
            int xb = whole ? in.start(b) : 0, ob = o != null ? out.start(b) : 0;
            for (int end = whole ? h + nh : h + 1; h < end; h++) {
                Rows rq = w.rows(q, h, t, d, x, xb, w.q, w.dp), rk = w.rows(k, h, t, d, x, xb, w.k, w.dp);
                Rows rv = w.rows(v, h, t, d, x, xb, w.v, w.dp), ry = HeadCopies.target(y, h, o, ob, w.y, w.dp);
                transpose(rk.a(), rk.off(), rk.stride(), w.kt, w.tp, w.tp, w.dp);
                lower(rq.a(), rq.off(), rq.stride(), w.kt, w.tp, w.s, d, t);   // S = q k^T (unscaled), j <= i
                softmaxRows(w.s, w.tp, t, scale);                                  // P, in place
                w.store(p, h, t, t, w.s, w.tp);
                mix(dropped(w, m, h, t), w.tp, rv, ry, w.dp, t, true);              // y = A v
                if (o == null) {
                    w.store(y, h, t, d, w.y, w.dp);
                }
            }
            if (o != null) {
                w.copyOut(y.buf(), out, b);
            }
        }
    }

    /**
     * Backward for heads [h0, h1): reads q, k, v, P (and the mask) and dy, writes dq, dk, dv (any may be
     * null when not wanted). Whole sequences are copied as in {@link #forward}: q, k, v from {@code in}, dy
     * from {@code grad}, dq, dk, dv to {@code out} (given only when all three are wanted and fill it).
     */
    private static void backward(Head q, Head k, Head v, Head p, Dropout.Draws m, Head dy, Head dq, Head dk, Head dv,
                                 Span in, Span grad, Span out, int t, int d, float scale, int h0, int h1) {
        HeadCopies w = HeadCopies.get(t, d, L);
        int nh = q.nh();
        for (int h = h0; h < h1; ) {
            int b = h / nh;
            boolean whole = in != null && h % nh == 0 && h + nh <= h1;
            float[] x = whole ? w.copyIn(q.buf(), in, b) : null;
            float[] g = whole && grad != null ? w.copyGrad(dy.buf(), grad, b) : null;
            float[] o = whole && out != null ? w.outFor(out) : null;
            int xb = whole ? in.start(b) : 0, gb = g != null ? grad.start(b) : 0, ob = o != null ? out.start(b) : 0;
            for (int end = whole ? h + nh : h + 1; h < end; h++) {
                Rows rg = w.rows(dy, h, t, d, g, gb, w.g, w.dp), rv = w.rows(v, h, t, d, x, xb, w.v, w.dp);
                w.load(p, h, t, t, w.s, w.tp);
                float[] att = dropped(w, m, h, t);
                if (dv != null) {
                    mix(att, w.tp, rg, HeadCopies.target(dv, h, o, ob, w.y, w.dp), w.dp, t, false); // dv = A^T dy
                    stored(w, dv, h, t, d, o);
                }
                if (dq == null && dk == null) {
                    continue;
                }
                transpose(rv.a(), rv.off(), rv.stride(), w.kt, w.tp, w.tp, w.dp);
                lower(rg.a(), rg.off(), rg.stride(), w.kt, w.tp, w.a, d, t);     // dP = dy v^T, j <= i (into w.a)
                softmaxBackwardRows(w.a, w.s, m == null ? null : w.m, w.tp, t, scale); // dS, in place
                if (dq != null) {
                    Rows rk = w.rows(k, h, t, d, x, xb, w.k, w.dp);
                    mix(w.a, w.tp, rk, HeadCopies.target(dq, h, o, ob, w.y, w.dp), w.dp, t, true); // dq = dS k
                    stored(w, dq, h, t, d, o);
                }
                if (dk != null) {
                    Rows rq = w.rows(q, h, t, d, x, xb, w.q, w.dp);
                    mix(w.a, w.tp, rq, HeadCopies.target(dk, h, o, ob, w.y, w.dp), w.dp, t, false); // dk = dS^T q
                    stored(w, dk, h, t, d, o);
                }
            }
            if (o != null) {
                w.copyOut(dq.buf(), out, b);
            }
        }
    }

    /** A = P * M in w.a with a dropout mask (drawn for head h into w.m), else P itself: w.s. */
    private static float[] dropped(HeadCopies w, Dropout.Draws m, int h, int t) {
        if (m == null) {
            return w.s;
        }
        m.fillHead(w.m, w.tp, h, t, L);
        multiply(w.s, w.m, w.a);
        return w.a;
    }

    /** Head h of an output from w.y into its place, unless it was written into the sequence's stretch o. */
    private static void stored(HeadCopies w, Head dst, int h, int t, int d, float[] o) {
        if (o == null) {
            w.store(dst, h, t, d, w.y, w.dp);
        }
    }

    /**
     * out[i, j] = sum_{c &lt; d} a[i, c] bT[c, j] for the rows i &lt; t (in pairs: row t too when t is odd) and
     * the columns j &lt;= i rounded up to whole vectors; the rest of each row is left as it was.
     */
    static void lower(float[] a, int ao, int as, float[] bT, int bs, float[] out, int d, int t) {
        for (int i = 0; i < t; i += 2) {
            int ra = ao + i * as, rb = ra + as, ro = i * bs;
            int n = Math.min(bs, (i + 2 + L - 1) / L * L);          // columns 0 .. i + 1, whole vectors
            int j = 0;
            for (; j + 2 * L <= n; j += 2 * L) {
                FloatVector x0 = FloatVector.zero(F), x1 = x0, y0 = x0, y1 = x0;
                for (int c = 0; c < d; c++) {
                    FloatVector b0 = FloatVector.fromArray(F, bT, c * bs + j);
                    FloatVector b1 = FloatVector.fromArray(F, bT, c * bs + j + L);
                    FloatVector u = FloatVector.broadcast(F, a[ra + c]);
                    FloatVector z = FloatVector.broadcast(F, a[rb + c]);
                    x0 = b0.fma(u, x0);
                    x1 = b1.fma(u, x1);
                    y0 = b0.fma(z, y0);
                    y1 = b1.fma(z, y1);
                }
                x0.intoArray(out, ro + j);
                x1.intoArray(out, ro + j + L);
                y0.intoArray(out, ro + bs + j);
                y1.intoArray(out, ro + bs + j + L);
            }
            if (j < n) {                                            // one vector left
                FloatVector x0 = FloatVector.zero(F), y0 = x0;
                for (int c = 0; c < d; c++) {
                    FloatVector b0 = FloatVector.fromArray(F, bT, c * bs + j);
                    x0 = b0.fma(FloatVector.broadcast(F, a[ra + c]), x0);
                    y0 = b0.fma(FloatVector.broadcast(F, a[rb + c]), y0);
                }
                x0.intoArray(out, ro + j);
                y0.intoArray(out, ro + bs + j);
            }
        }
    }

    /**
     * out[r, :] = sum_s c(r, s) x[s, :] for the rows of a padded (tp, dp) output, where c(r, s) = w[r, s] over
     * s in [0, r] ({@code lower}: y = A v, dq = dS k), or c(r, s) = w[s, r] over s in [r, t) (not lower:
     * dv = A^T dy, dk = dS^T q, reading w down its columns, so no transposed copy is made). Rows go in pairs
     * over the union of their ranges: the one extra term, w[r, r + 1], is a masked entry and exactly 0.
     */
    static void mix(float[] w, int ws, Rows in, Rows out, int cols, int t, boolean lower) {
        mix(w, ws, in.a(), in.off(), in.stride(), out.a(), out.off(), out.stride(), cols, t, lower);
    }

    /** {@link #mix} over x's rows from index xo, stride xs, into out's from index oo, stride os, cols columns. */
    static void mix(float[] w, int ws, float[] x, int xo, int xs, float[] out, int oo, int os, int cols, int t,
                    boolean lower) {
        int step = lower ? 1 : ws;                                  // from c(r, s) to c(r, s + 1) in w
        int r = mixFours(w, ws, x, xo, xs, out, oo, os, cols, t, lower);
        for (; r < t; r += 2) {
            int from = lower ? 0 : r, to = lower ? Math.min(r + 2, t) : t;
            int c0 = lower ? r * ws : r, c1 = lower ? c0 + ws : c0 + 1; // c(r, 0) and c(r + 1, 0)
            int o0 = oo + r * os, o1 = o0 + os;
            int c = 0;
            for (; c + 4 * L <= cols; c += 4 * L) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                for (int s = from; s < to; s++) {
                    int xr = xo + s * xs + c;
                    FloatVector u = FloatVector.broadcast(F, w[c0 + s * step]);
                    FloatVector z = FloatVector.broadcast(F, w[c1 + s * step]);
                    FloatVector v0 = FloatVector.fromArray(F, x, xr);
                    FloatVector v1 = FloatVector.fromArray(F, x, xr + L);
                    FloatVector v2 = FloatVector.fromArray(F, x, xr + 2 * L);
                    FloatVector v3 = FloatVector.fromArray(F, x, xr + 3 * L);
                    a0 = v0.fma(u, a0);
                    a1 = v1.fma(u, a1);
                    a2 = v2.fma(u, a2);
                    a3 = v3.fma(u, a3);
                    b0 = v0.fma(z, b0);
                    b1 = v1.fma(z, b1);
                    b2 = v2.fma(z, b2);
                    b3 = v3.fma(z, b3);
                }
                a0.intoArray(out, o0 + c);
                a1.intoArray(out, o0 + c + L);
                a2.intoArray(out, o0 + c + 2 * L);
                a3.intoArray(out, o0 + c + 3 * L);
                b0.intoArray(out, o1 + c);
                b1.intoArray(out, o1 + c + L);
                b2.intoArray(out, o1 + c + 2 * L);
                b3.intoArray(out, o1 + c + 3 * L);
            }
            for (; c < cols; c += L) {                              // the last columns, a vector at a time
                FloatVector a0 = FloatVector.zero(F), b0 = a0;
                for (int s = from; s < to; s++) {
                    FloatVector v0 = FloatVector.fromArray(F, x, xo + s * xs + c);
                    a0 = v0.fma(FloatVector.broadcast(F, w[c0 + s * step]), a0);
                    b0 = v0.fma(FloatVector.broadcast(F, w[c1 + s * step]), b0);
                }
                a0.intoArray(out, o0 + c);
                b0.intoArray(out, o1 + c);
            }
        }
    }

    /**
     * {@link #mix} for the rows in whole blocks of 4 (the rows from the returned index on are left to the
     * pairs): 4 rows x 2 vectors of outputs in registers, then 4 rows x 1 vector for a last odd vector, so a
     * 32-wide head keeps 8 sums going on 16 lanes as on 8. As with the pairs, a row's extra terms
     * (w[r, r + 1 .. r + 3]) are masked entries, exactly 0.
     */
    private static int mixFours(float[] w, int ws, float[] x, int xo, int xs, float[] out, int oo, int os, int cols,
                                int t, boolean lower) {
        int step = lower ? 1 : ws, next = lower ? ws : 1;           // c(r, s) to c(r, s + 1), and to c(r + 1, s)
        int r = 0;
        for (; r + 4 <= t; r += 4) {
            int from = lower ? 0 : r, to = lower ? r + 4 : t, c0 = lower ? r * ws : r;
            int o0 = oo + r * os, o1 = o0 + os, o2 = o1 + os, o3 = o2 + os;
            int c = 0;
            for (; c + 2 * L <= cols; c += 2 * L) {
                FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0, e0 = a0, e1 = a0, f0 = a0, f1 = a0;
                for (int s = from; s < to; s++) {
                    int xr = xo + s * xs + c, k = c0 + s * step;
                    FloatVector v0 = FloatVector.fromArray(F, x, xr);
                    FloatVector v1 = FloatVector.fromArray(F, x, xr + L);
                    FloatVector u = FloatVector.broadcast(F, w[k]);
                    a0 = v0.fma(u, a0);
                    a1 = v1.fma(u, a1);
                    u = FloatVector.broadcast(F, w[k + next]);
                    b0 = v0.fma(u, b0);
                    b1 = v1.fma(u, b1);
                    u = FloatVector.broadcast(F, w[k + 2 * next]);
                    e0 = v0.fma(u, e0);
                    e1 = v1.fma(u, e1);
                    u = FloatVector.broadcast(F, w[k + 3 * next]);
                    f0 = v0.fma(u, f0);
                    f1 = v1.fma(u, f1);
                }
                a0.intoArray(out, o0 + c);
                a1.intoArray(out, o0 + c + L);
                b0.intoArray(out, o1 + c);
                b1.intoArray(out, o1 + c + L);
                e0.intoArray(out, o2 + c);
                e1.intoArray(out, o2 + c + L);
                f0.intoArray(out, o3 + c);
                f1.intoArray(out, o3 + c + L);
            }
            if (c < cols) {                                         // one vector left
                FloatVector a0 = FloatVector.zero(F), b0 = a0, e0 = a0, f0 = a0;
                for (int s = from; s < to; s++) {
                    int k = c0 + s * step;
                    FloatVector v0 = FloatVector.fromArray(F, x, xo + s * xs + c);
                    a0 = v0.fma(FloatVector.broadcast(F, w[k]), a0);
                    b0 = v0.fma(FloatVector.broadcast(F, w[k + next]), b0);
                    e0 = v0.fma(FloatVector.broadcast(F, w[k + 2 * next]), e0);
                    f0 = v0.fma(FloatVector.broadcast(F, w[k + 3 * next]), f0);
                }
                a0.intoArray(out, o0 + c);
                b0.intoArray(out, o1 + c);
                e0.intoArray(out, o2 + c);
                f0.intoArray(out, o3 + c);
            }
        }
        return r;
    }

    /** dst[c, r] = src[so + r ss + c] for r &lt; rows, c &lt; cols. */
    static void transpose(float[] src, int so, int ss, float[] dst, int ds, int rows, int cols) {
        for (int r = 0; r < rows; r++) {
            int o = so + r * ss;
            for (int c = 0; c < cols; c++) {
                dst[c * ds + r] = src[o + c];
            }
        }
    }

    /** out = x * y, element by element (the padding of x and y is 0, so is out's). */
    static void multiply(float[] x, float[] y, float[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = x[i] * y[i];
        }
    }

    /**
     * Rows i &lt; t of s (row stride ss, a whole number of vectors): P_ij = exp(scale x_ij - max) / sum over
     * j &lt;= i, zeros after; padding rows: zeros. The masked keys j &gt; i (lanes of the row's last vector;
     * every other vector's mask is empty) are set to -infinity in registers (a lane mask, not stores: writing
     * single floats and then reading them back as a vector stalls the CPU), their exp to 0. Every vector of a
     * row goes through one loop body, the last one included: a second call of {@link #exp} for the last vector
     * goes past C2's inlining budget, stays a call, and boxes the vectors passed to it into Java objects.
     */
    static void softmaxRows(float[] s, int ss, int t, float scale) {
        float[] lanes = LANES.get();
        FloatVector zero = FloatVector.zero(F);
        for (int i = 0; i < t; i++) {
            int o = i * ss, nv = Math.min(ss, (i + 1 + L - 1) / L * L);
            FloatVector mx = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (int j = 0; j < nv; j += L) {                         // keys j > i: -infinity
                VectorMask<Float> masked = IOTA.compare(VectorOperators.GT, i - j);
                mx = mx.max(FloatVector.fromArray(F, s, o + j).blend(Float.NEGATIVE_INFINITY, masked));
            }
            float max = mx.reduceLanes(VectorOperators.MAX) * scale; // scale > 0: max(scale x) = scale max(x)
            FloatVector sum = zero;
            for (int j = 0; j < nv; j += L) {
                VectorMask<Float> masked = IOTA.compare(VectorOperators.GT, i - j);
                FloatVector x = FloatVector.fromArray(F, s, o + j).blend(Float.NEGATIVE_INFINITY, masked);
                FloatVector e = exp(x.mul(scale).sub(max)).blend(zero, masked);
                e.intoArray(s, o + j);
                sum = sum.add(e);
            }
            sum.intoArray(lanes, 0);
            float inv = 1f / sumInOrder(lanes);
            for (int j = 0; j < nv; j += L) {
                FloatVector.fromArray(F, s, o + j).mul(inv).intoArray(s, o + j);
            }
            for (int j = nv; j < ss; j += L) {
                zero.intoArray(s, o + j);
            }
        }
        Arrays.fill(s, t * ss, s.length, 0f);
    }

    /**
     * dS = P * (dP * M - rowsum(dP * M * P)) * scale in place on dP, for rows i &lt; t (zeros elsewhere). Over
     * whole vectors: the masked keys have P = 0, so they add nothing to the sum and come out 0.
     */
    static void softmaxBackwardRows(float[] g, float[] p, float[] m, int ss, int t, float scale) {
        float[] lanes = LANES.get();
        for (int i = 0; i < t; i++) {
            int o = i * ss, nv = Math.min(ss, (i + 1 + L - 1) / L * L);
            FloatVector dot = FloatVector.zero(F);
            for (int j = 0; j < nv; j += L) {
                FloatVector gj = FloatVector.fromArray(F, g, o + j);
                if (m != null) {
                    gj = gj.mul(FloatVector.fromArray(F, m, o + j));
                    gj.intoArray(g, o + j);
                }
                dot = gj.fma(FloatVector.fromArray(F, p, o + j), dot);
            }
            dot.intoArray(lanes, 0);
            float rowDot = sumInOrder(lanes);
            for (int j = 0; j < nv; j += L) {
                FloatVector.fromArray(F, g, o + j).sub(rowDot).mul(FloatVector.fromArray(F, p, o + j)).mul(scale)
                        .intoArray(g, o + j);
            }
            for (int j = nv; j < ss; j += L) {                     // whole-vector zeros (see softmaxRows)
                FloatVector.zero(F).intoArray(g, o + j);
            }
        }
        Arrays.fill(g, t * ss, g.length, 0f);
    }

    /*
     * Only operations that IEEE arithmetic defines to the bit (+, -, *, fma, compare, bit moves) below: the
     * Vector API runs a method as Java code until the JIT compiles it, and its library functions
     * (lanewise(EXP)) and lane sums (reduceLanes(ADD)) may round differently in the two forms, so training
     * results would depend on when the JIT got there (two runs of one seed differed in the 7th digit).
     */

    /**
     * The lanes of a vector (stored into {@code lanes} by the caller) added in lane order: the same bits
     * however it runs. The vector is stored where it is made, not passed here: a vector passed to a method
     * the JIT does not inline is boxed into a Java object.
     */
    private static float sumInOrder(float[] lanes) {
        float s = lanes[0];
        for (int k = 1; k < lanes.length; k++) {
            s += lanes[k];
        }
        return s;
    }

    /** The lane numbers 0, 1, ..., L - 1 as floats. */
    private static final FloatVector IOTA = FloatVector.fromArray(F, iota(), 0);

    private static float[] iota() {
        float[] a = new float[L];
        for (int k = 0; k < L; k++) {
            a[k] = k;
        }
        return a;
    }

    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[L]);

    private static final float LOG2E = 1.44269504f;
    private static final float LN2_HI = 0.693359375f;       // ln 2 = LN2_HI + LN2_LO, as in FastMath.exp
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float EXP_MIN = -87.33654f;        // e^EXP_MIN ~ the smallest normal float; x is clamped here
    private static final float ROUND = 12582912f;           // 1.5 * 2^23: x + ROUND rounds x to an integer

    /**
     * e^x per lane for x &lt;= 0 (the softmax's shifted scores), relative error below 1.5e-7 (VectorExpTest); FastMath.exp's
     * formula with vectors:
     * <pre>
     *   n = round(x / ln 2),  r = x - n ln 2,  e^x = 2^n (1 + r + r^2/2! + ... + r^7/7!)
     * </pre>
     * n + ROUND holds n + 1.5 * 2^23 exactly, so n sits in its low mantissa bits, and 2^n is built by moving
     * n + 127 into the exponent field. Lanes below EXP_MIN (-infinity included) give the smallest normal
     * float, 1.2e-38, not 0: the softmax writes its masked lanes' zeros itself.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_MIN);
        FloatVector nr = xc.mul(LOG2E).add(ROUND);
        FloatVector n = nr.sub(ROUND);
        FloatVector r = xc.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
        FloatVector e = r.mul(1f / 5040).add(1f / 720).mul(r).add(1f / 120).mul(r).add(1f / 24).mul(r).add(1f / 6)
                .mul(r).add(0.5f).mul(r).add(1f).mul(r).add(1f);
        IntVector bits = nr.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUND) - 127)
                .lanewise(VectorOperators.LSHL, 23);                // (n + 127) << 23 = 2^n
        return e.mul(bits.reinterpretAsFloats());
    }
}
