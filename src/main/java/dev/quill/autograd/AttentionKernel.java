package dev.quill.autograd;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link AttentionCore}'s math on the CPU without the Vector API, for the arrays {@link Kernels#usable}
 * accepts: the B * nh independent heads split over Quill's threads, each piece doing its own products (ND4J
 * GEMMs on views), its softmax rows (Java loops that scale, mask and normalize in one pass; FLOAT through a
 * float[] with {@link FastMath#exp}) and its dropout. Also the head split and merge copies of
 * {@link QkvAttentionOp}, cut along the batch. {@code FusedOpTest} holds it equal to the plain path.
 */
final class AttentionKernel {

    private AttentionKernel() {
    }

    /**
     * y = A v with A = P (* M), P = softmax(mask(q k^T scale)) written into scores (B, nh, T, T).
     *
     * @param mask    the dropout mask shaped as scores (0 or 1/(1 - p)), or null without dropout
     * @param dropped receives A = P * M (shaped as scores) when mask is not null, else null
     */
    static void forward(INDArray q, INDArray k, INDArray v, INDArray scores, INDArray mask, INDArray dropped,
                        INDArray y, double scale) {
        // the views are made here, on the caller's thread
        Pieces pc = new Pieces(q.size(0) * q.size(1), q.size(2), q, k, v, scores, y);
        INDArray[] ms = mask == null ? null : pc.views(mask), ds = mask == null ? null : pc.views(dropped);
        Parallel.forEach(pc.count(), i -> {
            MatMul.productInto(pc.q[i], pc.k[i], pc.s[i], false, true);            // q k^T
            maskedSoftmax(scores, scale, pc.rowFrom(i), pc.rowTo(i));           // P, in place
            if (ds == null) {
                MatMul.productInto(pc.s[i], pc.v[i], pc.y[i], false, false);       // P v
            } else {
                pc.s[i].mul(ms[i], ds[i]);                                      // A = P * M / (1 - p), into ds
                MatMul.productInto(ds[i], pc.v[i], pc.y[i], false, false);         // A v
            }
        });
    }

    /**
     * dq, dk, dv (each may be null) from dy, with p, a (= P, or P * M) and mask as the forward left them; dP
     * (shaped as p) is scratch.
     */
    static void backward(INDArray q, INDArray k, INDArray v, INDArray p, INDArray a, INDArray mask, INDArray dy,
                         INDArray dP, INDArray dq, INDArray dk, INDArray dv, double scale) {
        Pieces pc = new Pieces(q.size(0) * q.size(1), q.size(2), q, k, v, dP, dy);
        INDArray[] as = pc.views(a), masks = mask == null ? null : pc.views(mask);
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
            softmaxBackward(dP, p, scale, pc.rowFrom(i), pc.rowTo(i));          // dS, in place
            if (dqs != null) {
                MatMul.productInto(dPi, pc.k[i], dqs[i], false, false);          // dS k
            }
            if (dks != null) {
                MatMul.productInto(dPi, pc.q[i], dks[i], true, false);           // dS^T q
            }
        });
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

        /** (B, nh, X, Y) as views over the heads of each piece, each (heads, X, Y), made on the calling thread. */
        INDArray[] views(INDArray a) {
            return slices(Shapes.reshape(a, a.size(0) * a.size(1), a.size(2), a.size(3)), 0, cut);
        }
    }

    /**
     * Scale, causal mask and softmax in one pass over each row of scores (in place): row i keeps keys
     * j <= i, computed as exp(s*x_ij - max) / sum, and writes exact zeros to the masked half. FLOAT rows go
     * through a float[] with {@link FastMath#exp}; DOUBLE (the gradient checks) keeps Math.exp.
     */
    static void maskedSoftmax(INDArray scores, double scale, int rowFrom, int rowTo) {
        int t = (int) scores.size(3);
        if (scores.dataType() == DataType.FLOAT) {
            maskedSoftmaxFloat(Scratch.floats(scores), (float) scale, t, rowFrom, rowTo);
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
    private static void maskedSoftmaxFloat(FloatBuffer s, float sc, int t, int rowFrom, int rowTo) {
        float[][] w = rows(t);
        float[] x = w[0], zeros = w[2];
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
    static void softmaxBackward(INDArray dP, INDArray p, double scale, int rowFrom, int rowTo) {
        int t = (int) dP.size(3);
        if (dP.dataType() == DataType.FLOAT) {
            softmaxBackwardFloat(Scratch.floats(dP), Scratch.floats(p), (float) scale, t, rowFrom, rowTo);
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

    private static void softmaxBackwardFloat(FloatBuffer d, FloatBuffer ps, float sc, int t, int rowFrom, int rowTo) {
        float[][] w = rows(t);
        float[] g = w[0], pr = w[1], zeros = w[2];
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

    /** Fewest elements a thread copies: below this the hand-off costs more than the copy (~64 KB). */
    private static final long MIN_COPY_PIECE = 16_384;

    /**
     * dst = src for a plain dst of src's shape, cut along {@code axis} (the batch axis) into pieces of at
     * least {@link #MIN_COPY_PIECE} elements that Quill's threads copy side by side; the views are made here,
     * on the calling thread.
     */
    static void copy(INDArray dst, INDArray src, int axis) {
        int n = (int) dst.size(axis);
        long perRow = dst.length() / n;
        int[] cut = Parallel.split(n, (int) ((MIN_COPY_PIECE + perRow - 1) / perRow), 1);
        if (cut.length <= 2) {
            dst.assign(src);
            return;
        }
        INDArray[] to = slices(dst, axis, cut), from = slices(src, axis, cut);
        Parallel.forEach(to.length, i -> to[i].assign(from[i]));
    }

    /** Views of a's ranges [cut[i], cut[i + 1]) along {@code axis}: made on the calling thread. */
    private static INDArray[] slices(INDArray a, int axis, int[] cut) {
        INDArray[] v = new INDArray[cut.length - 1];
        for (int i = 0; i < v.length; i++) {
            INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
            Arrays.fill(idx, NDArrayIndex.all());
            idx[axis] = NDArrayIndex.interval(cut[i], cut[i + 1]);
            v[i] = a.get(idx);
        }
        return v;
    }
}
