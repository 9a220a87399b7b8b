package dev.quill.autograd;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The arithmetic of causal attention over (B, nh, T, hs) arrays, shared by the two fused attention ops (on
 * the CPU with the Vector API, {@code VectorAttention} does the same arithmetic head by head, causal half only):
 * the forward keeps the probabilities P (and the dropout mask) that the backward needs.
 * <pre>
 *   S = q k^T / sqrt(hs);  P = softmax(mask(S));  A = P * M / (1 - p);  y = A v
 *   dv = A^T dy;  dA = dy v^T;  dP = dA * M / (1 - p);  dS = P * (dP - rowsum(dP * P))
 *   dq = dS k / sqrt(hs);  dk = dS^T q / sqrt(hs)
 * </pre>
 */
final class AttentionCore {

    private final INDArray q;
    private final INDArray k;
    private final INDArray v;
    private final double scale;
    private INDArray p;        // softmax probabilities (B, nh, T, T)
    private INDArray dropMask; // 0 or 1/(1-p), or null without dropout
    private INDArray dropped;  // A = P * dropMask, kept for the backward (the step's scope holds it anyway)
    private boolean vector;    // the forward ran VectorAttention, so the backward does too

    /** q, k, v: plain c-order (B, nh, T, hs) arrays. */
    AttentionCore(INDArray q, INDArray k, INDArray v) {
        this.q = q;
        this.k = k;
        this.v = v;
        this.scale = 1.0 / Math.sqrt(q.size(3));
    }

    /** y = softmax(mask(q k^T / sqrt(hs))) v, written into {@code y} (B, nh, T, hs). */
    INDArray forward(INDArray y, double dropout, Rng rng, boolean training) {
        long b = q.size(0), nh = q.size(1), t = q.size(2);
        INDArray scores = Nd4j.createUninitialized(q.dataType(), b, nh, t, t);  // (B, nh, T, T)
        boolean drop = training && dropout > 0;
        if (!Kernels.usable(scores)) {
            MatMul.productInto(q, k, scores, false, true);
            INDArray masked = CausalMask.apply(Tensor.of(scores.muli(scale))).value();
            p = Tensor.of(masked).softmax().value();                            // (B, nh, T, T)
            INDArray a = drop ? dropped = p.mul(dropMask = Dropout.mask(rng, dropout, p.shape(), p.dataType())) : p;
            return MatMul.productInto(a, v, y, false, false);                   // (B, nh, T, hs)
        }
        p = scores;
        if (vectorApplies(y)) {    // FLOAT with the Vector API: the causal half of each product, in registers
            vector = true;
            dropMask = drop ? Dropout.mask(rng, dropout, p.shape(), p.dataType()) : null;
            VectorAttention.forward(q, k, v, p, dropMask, y, scale);
            return y;
        }
        // on the CPU the B * nh independent heads are split over Quill's threads, each piece doing its own
        // products, softmax rows and dropout (the views are made here, on the caller's thread)
        Pieces pc = new Pieces(b * nh, t, q, k, v, scores, y);
        INDArray[] masks = null, as = null;
        if (drop) {
            dropMask = Dropout.mask(rng, dropout, p.shape(), p.dataType());
            dropped = Nd4j.createUninitialized(p.dataType(), p.shape());
            masks = pc.views(dropMask);
            as = pc.views(dropped);
        }
        INDArray[] ms = masks, ds = as;
        Parallel.forEach(pc.count(), i -> {
            MatMul.productInto(pc.q[i], pc.k[i], pc.s[i], false, true);            // q k^T
            maskedSoftmaxJava(scores, pc.rowFrom(i), pc.rowTo(i));              // P, in place
            if (ds == null) {
                MatMul.productInto(pc.s[i], pc.v[i], pc.y[i], false, false);       // P v
            } else {
                pc.s[i].mul(ms[i], ds[i]);                                      // A = P * M / (1 - p), into ds
                MatMul.productInto(ds[i], pc.v[i], pc.y[i], false, false);         // A v
            }
        });
        return y;
    }

    /** Writes dq, dk, dv (each (B, nh, T, hs), or null when not wanted) from dy (B, nh, T, hs). */
    void backward(INDArray dy, INDArray dq, INDArray dk, INDArray dv) {
        if (vector) {
            VectorAttention.backward(q, k, v, p, dropMask, unitStride(dy) ? dy : Shapes.contiguous(dy), dq, dk, dv, scale);
            return;
        }
        INDArray a = dropMask == null ? p : dropped;
        INDArray dP = Nd4j.createUninitialized(dy.dataType(), p.shape());       // (B, nh, T, T)
        if (!Kernels.usable(dP, p)) {
            if (dv != null) {
                MatMul.productInto(a, dy, dv, true, false);                      // A^T dy
            }
            MatMul.productInto(dy, v, dP, false, true);                          // dy v^T
            if (dropMask != null) {
                dP.muli(dropMask);
            }
            INDArray rowDot = dP.mul(p).sum(true, 3);                           // (B, nh, T, 1)
            INDArray dS = dP.subi(rowDot).muli(p).muli(scale);                  // scale folded in once
            if (dq != null) {
                MatMul.productInto(dS, k, dq, false, false);                     // dS k
            }
            if (dk != null) {
                MatMul.productInto(dS, q, dk, true, false);                      // dS^T q
            }
            return;
        }
        Pieces pc = new Pieces(q.size(0) * q.size(1), q.size(2), q, k, v, dP, Shapes.contiguous(dy));
        INDArray[] as = pc.views(a), masks = dropMask == null ? null : pc.views(dropMask);
        INDArray[] dqs = dq == null ? null : pc.views(dq), dks = dk == null ? null : pc.views(dk);
        INDArray[] dvs = dv == null ? null : pc.views(dv);
        Parallel.forEach(pc.count(), i -> {
            INDArray dyi = pc.y[i], dPi = pc.s[i];
            if (dvs != null) {
                MatMul.productInto(as[i], dyi, dvs[i], true, false);             // A^T dy
            }
            MatMul.productInto(dyi, pc.v[i], dPi, false, true);                  // dy v^T
            if (masks != null) {
                dPi.muli(masks[i]);                                             // in place: allocates nothing
            }
            softmaxBackwardJava(dP, pc.rowFrom(i), pc.rowTo(i));                // dS, in place
            if (dqs != null) {
                MatMul.productInto(dPi, pc.k[i], dqs[i], false, false);          // dS k
            }
            if (dks != null) {
                MatMul.productInto(dPi, pc.q[i], dks[i], true, false);           // dS^T q
            }
        });
    }

    /**
     * True when {@link VectorAttention} may run: the Vector API is there, and q, k, v, y are FLOAT with stride
     * 1 along hs (views of a bigger array included: VectorAttention reads their strides).
     */
    private boolean vectorApplies(INDArray y) {
        return vectorRuns(q) && unitStride(q) && unitStride(k) && unitStride(v) && unitStride(y);
    }

    /** {@return true when FLOAT attention runs the Vector API kernels for arrays laid out as they need} */
    static boolean vectorRuns(INDArray x) {
        return Kernels.vector() && x.dataType() == DataType.FLOAT;
    }

    private static boolean unitStride(INDArray a) {
        return a.rank() == 4 && a.stride(3) == 1;
    }

    /**
     * The B * nh heads cut into pieces for {@link Parallel}: views of each array over the heads
     * [cut[i], cut[i + 1]). {@code s} is a (B, nh, T, T) array, {@code y} a (B, nh, T, hs) one.
     */
    private static final class Pieces {
        final int[] cut;
        final int t;
        final INDArray[] q;
        final INDArray[] k;
        final INDArray[] v;
        final INDArray[] s;
        final INDArray[] y;

        Pieces(long heads, long t, INDArray q, INDArray k, INDArray v, INDArray s, INDArray y) {
            this.t = (int) t;
            long perHead = 4 * t * t * q.size(3); // multiply-adds of one head's four products
            this.cut = Parallel.split((int) heads, (int) Math.max(1, (1L << 20) / Math.max(1, perHead)), 1);
            this.q = views(q);
            this.k = views(k);
            this.v = views(v);
            this.s = views(s);
            this.y = views(y);
        }

        int count() {
            return cut.length - 1;
        }

        int rowFrom(int i) {
            return cut[i] * t;
        }

        int rowTo(int i) {
            return cut[i + 1] * t;
        }

        /** (B, nh, X, Y) as views over the heads of each piece, each (heads, X, Y). */
        INDArray[] views(INDArray a) {
            return MatMul.rows(a.reshape(a.size(0) * a.size(1), a.size(2), a.size(3)), cut);
        }
    }

    /**
     * Scale, causal mask and softmax in one pass over each row of scores (in place): row i keeps keys
     * j <= i, computed as exp(s*x_ij - max) / sum, and writes exact zeros to the masked half. FLOAT rows go
     * through a float[] with {@link FastMath#exp}; DOUBLE (the gradient checks) keeps Math.exp.
     */
    private void maskedSoftmaxJava(INDArray scores, int rowFrom, int rowTo) {
        int t = (int) scores.size(3);
        if (scores.dataType() == DataType.FLOAT) {
            maskedSoftmaxFloat(Scratch.floats(scores), t, rowFrom, rowTo);
            return;
        }
        HostBuffer s = HostBuffer.of(scores);
        for (int r = rowFrom; r < rowTo; r++) {
            int i = r % t;                      // query position of this row
            int o = r * t;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
                max = Math.max(max, s.get(o + j) * scale);
            }
            double sum = 0;
            for (int j = 0; j <= i; j++) {
                double e = Math.exp(s.get(o + j) * scale - max);
                s.set(o + j, e);
                sum += e;
            }
            double inv = 1.0 / sum;
            for (int j = 0; j <= i; j++) {
                s.set(o + j, s.get(o + j) * inv);
            }
            for (int j = i + 1; j < t; j++) {
                s.set(o + j, 0.0);
            }
        }
    }

    // The FLOAT rows move with the buffers' absolute bulk get and put, which never touch a buffer's position:
    // the threads working on other rows of the same scores cannot disturb each other.
    private void maskedSoftmaxFloat(FloatBuffer s, int t, int rowFrom, int rowTo) {
        float[][] w = rows(t);
        float[] x = w[0], zeros = w[2];
        float sc = (float) scale;
        for (int r = rowFrom; r < rowTo; r++) {
            int n = r % t + 1;                  // keys 0 .. i of query position i
            s.get(r * t, x, 0, n);
            float max = x[0];
            for (int j = 1; j < n; j++) {
                max = Math.max(max, x[j]);
            }
            max *= sc;                          // scale > 0: max(s x) = s max(x)
            double sum = 0;
            for (int j = 0; j < n; j++) {
                x[j] = FastMath.exp(x[j] * sc - max);
                sum += x[j];
            }
            float inv = (float) (1.0 / sum);
            for (int j = 0; j < n; j++) {
                x[j] *= inv;
            }
            s.put(r * t, x, 0, n);
            s.put(r * t + n, zeros, 0, t - n);
        }
    }

    /** dS = P * (dP - rowsum(dP * P)) * scale, in place on dP, for rows [rowFrom, rowTo). */
    private void softmaxBackwardJava(INDArray dP, int rowFrom, int rowTo) {
        int t = (int) dP.size(3);
        if (dP.dataType() == DataType.FLOAT) {
            softmaxBackwardFloat(Scratch.floats(dP), Scratch.floats(p), t, rowFrom, rowTo);
            return;
        }
        HostBuffer d = HostBuffer.of(dP), ps = HostBuffer.of(p);
        for (int r = rowFrom; r < rowTo; r++) {
            int i = r % t;
            int o = r * t;
            double dot = 0;
            for (int j = 0; j <= i; j++) {
                dot += d.get(o + j) * ps.get(o + j);
            }
            for (int j = 0; j <= i; j++) {
                d.set(o + j, ps.get(o + j) * (d.get(o + j) - dot) * scale);
            }
            for (int j = i + 1; j < t; j++) {
                d.set(o + j, 0.0);
            }
        }
    }

    private void softmaxBackwardFloat(FloatBuffer d, FloatBuffer ps, int t, int rowFrom, int rowTo) {
        float[][] w = rows(t);
        float[] g = w[0], pr = w[1], zeros = w[2];
        float sc = (float) scale;
        for (int r = rowFrom; r < rowTo; r++) {
            int n = r % t + 1;
            d.get(r * t, g, 0, n);
            ps.get(r * t, pr, 0, n);
            double dot = 0;
            for (int j = 0; j < n; j++) {
                dot += g[j] * pr[j];
            }
            float rowDot = (float) dot;
            for (int j = 0; j < n; j++) {
                g[j] = pr[j] * (g[j] - rowDot) * sc;
            }
            d.put(r * t, g, 0, n);
            d.put(r * t + n, zeros, 0, t - n);
        }
    }

    // per thread: two rows of T floats and a row of zeros, grown when T grows
    private static final ThreadLocal<float[][]> ROWS = ThreadLocal.withInitial(() -> new float[3][0]);

    private static float[][] rows(int t) {
        float[][] w = ROWS.get();
        if (w[0].length < t) {
            w = new float[][] {new float[t], new float[t], new float[t]};
            ROWS.set(w);
        }
        return w;
    }

    static INDArray like(INDArray x) {
        return Nd4j.createUninitialized(x.dataType(), x.shape());
    }
}
