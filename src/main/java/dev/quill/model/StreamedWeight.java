package dev.quill.model;

import dev.quill.autograd.CpuBlas;
import dev.quill.autograd.Kernels;
import dev.quill.autograd.Parallel;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A F32 weight W (out, in) read where the model keeps it, in ND4J's host buffer: no copy. Each output is one
 * dot product y[o] = b[o] + W[o, :] . x, and the output rows are split over Quill's threads
 * ({@link Parallel}). One sequence feeds one position per step, so the step reads every weight once and
 * does two flops per four bytes read: it is bound by memory bandwidth, not arithmetic, and the form that
 * reads the bytes once, in order, on every core, is the fast one.
 *
 * <p>Two paths. The plain one, below first, copies a row of W into a Java array and takes its dot product
 * with each position ({@link RowDots}): the definition, and what runs off the CPU backend or under
 * {@code -Dquill.kernels=nd4j}. The fast one hands each thread's block of rows to OpenBLAS ({@link
 * CpuBlas#rowProducts}: a GEMV for one position, a GEMM for several), whose kernels read W straight from the
 * buffer: at GPT-2 124M's shapes on one thread, 20-24 ms for all the weights a token reads against 27-30 ms
 * for Java's row copy and Vector API dot products (docs/performance.md).
 */
final class StreamedWeight implements RowWeight {

    /** Multiply-adds below which a product runs on the calling thread alone. */
    static final int MIN_PIECE_MACS = 1 << 15;

    // OpenBLAS reads and writes direct buffers in place: x, packed once by the calling thread, and each
    // piece's outputs (the caller runs pieces too, so the two are apart)
    private static final ThreadLocal<FloatBuffer> INPUTS = ThreadLocal.withInitial(() -> CpuBlas.directFloats(0));
    private static final ThreadLocal<FloatBuffer> OUTPUTS = ThreadLocal.withInitial(() -> CpuBlas.directFloats(0));

    private final FloatBuffer w;    // the model's buffer; (out, in) from offset
    private final int offset;
    private final int out;
    private final int in;

    /** @param weight a FLOAT (out, in) array in row-major order with unit stride (a parameter's value) */
    StreamedWeight(INDArray weight) {
        if (weight.dataType() != DataType.FLOAT || weight.rank() != 2 || weight.ordering() != 'c'
                || weight.elementWiseStride() != 1 || weight.offset() + weight.length() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("StreamedWeight reads a FLOAT (out, in) array in row-major order, got "
                    + weight.dataType() + " " + weight.shapeInfoToString());
        }
        this.w = weight.data().asNioFloat();
        this.offset = (int) weight.offset();
        this.out = (int) weight.size(0);
        this.in = (int) weight.size(1);
    }

    @Override
    public int rows() {
        return out;
    }

    @Override
    public int cols() {
        return in;
    }

    @Override
    public void row(int o, float[] dst) {
        w.get(offset + o * in, dst, 0, in);
    }

    @Override
    public void apply(float[][] x, int t, float[] bias, float[][] y) {
        int minRows = Math.max(1, MIN_PIECE_MACS / in);
        if (!Kernels.java()) {
            Parallel.range(out, minRows, 1, (from, to) -> plainRows(x, t, bias, y, from, to));
            return;
        }
        FloatBuffer xs = scratch(INPUTS, t * in);              // (t, in), packed
        for (int r = 0; r < t; r++) {
            xs.put(r * in, x[r], 0, in);
        }
        Parallel.range(out, minRows, 1, (from, to) -> blasRows(xs, t, bias, y, from, to));
    }

    /** Output rows [from, to) for every position, one row of W at a time. */
    private void plainRows(float[][] x, int t, float[] bias, float[][] y, int from, int to) {
        float[] row = new float[in];
        for (int o = from; o < to; o++) {
            w.get(offset + o * in, row, 0, in);                 // W[o, :]
            float b = bias == null ? 0f : bias[o];
            for (int r = 0; r < t; r++) {
                y[r][o] = b + RowDots.dot(row, x[r], in);
            }
        }
    }

    /** Output rows [from, to) for every position: x (t, in) times W[from .. to)^T in one OpenBLAS call. */
    private void blasRows(FloatBuffer xs, int t, float[] bias, float[][] y, int from, int to) {
        int m = to - from;
        FloatBuffer ys = scratch(OUTPUTS, t * m);              // (t, m)
        CpuBlas.rowProducts(w, offset + from * in, m, in, xs, t, ys);
        for (int r = 0; r < t; r++) {
            ys.get(r * m, y[r], from, m);
            if (bias != null) {
                for (int o = from; o < to; o++) {
                    y[r][o] += bias[o];
                }
            }
        }
    }

    /** This thread's direct buffer from {@code holder}, grown to at least {@code n} floats. */
    private static FloatBuffer scratch(ThreadLocal<FloatBuffer> holder, int n) {
        FloatBuffer b = holder.get();
        if (b.capacity() < n) {
            b = CpuBlas.directFloats(Math.max(n, 2 * b.capacity()));
            holder.set(b);
        }
        return b;
    }
}
