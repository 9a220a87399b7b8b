package dev.quill.model;

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
 * <p>A row is copied from the native buffer into a per-thread array first (one bulk copy, 3 KB for GPT-2's
 * 768 inputs, which stays in the L1 cache), because the Vector API of JDK 17 and of JDK 25 read a native
 * buffer through different methods but read a Java array the same way (a standalone probe on this machine
 * read rows at ~19-20 GB/s on one thread either way, copy and dot, or vector loads straight from the
 * buffer). Each row then serves every position of the call before the next is read.
 */
final class StreamedWeight implements RowWeight {

    /** Multiply-adds below which a product runs on the calling thread alone. */
    static final int MIN_PIECE_MACS = 1 << 15;

    private final FloatBuffer w;    // the model's buffer; (out, in) from offset
    private final long offset;
    private final int out;
    private final int in;

    /** @param weight a FLOAT (out, in) array in row-major order with unit stride (a parameter's value) */
    StreamedWeight(INDArray weight) {
        if (weight.dataType() != DataType.FLOAT || weight.rank() != 2 || weight.ordering() != 'c'
                || weight.elementWiseStride() != 1) {
            throw new IllegalArgumentException("StreamedWeight reads a FLOAT (out, in) array in row-major order, got "
                    + weight.dataType() + " " + weight.shapeInfoToString());
        }
        this.w = weight.data().asNioFloat();
        this.offset = weight.offset();
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
        w.get((int) (offset + (long) o * in), dst, 0, in);
    }

    @Override
    public void apply(float[][] x, int t, float[] bias, float[][] y) {
        boolean vector = RowDots.vector();
        Parallel.range(out, Math.max(1, MIN_PIECE_MACS / in), 1, (from, to) -> rows(x, t, bias, y, from, to, vector));
    }

    /** Output rows [from, to) for every position: four rows per bulk copy and per pass over x, then the rest. */
    private void rows(float[][] x, int t, float[] bias, float[][] y, int from, int to, boolean vector) {
        float[] rows = new float[4 * in];   // per piece: a few KB from the thread's TLAB (a ThreadLocal lookup cost more)
        float[] d = new float[4];
        int o = from;
        for (; o + 4 <= to; o += 4) {
            w.get((int) (offset + (long) o * in), rows, 0, 4 * in);           // W[o .. o+3, :]
            for (int r = 0; r < t; r++) {
                RowDots.dot4(vector, rows, x[r], in, d);
                for (int k = 0; k < 4; k++) {
                    y[r][o + k] = (bias == null ? 0f : bias[o + k]) + d[k];
                }
            }
        }
        for (; o < to; o++) {
            w.get((int) (offset + (long) o * in), rows, 0, in);               // W[o, :]
            float b = bias == null ? 0f : bias[o];
            for (int r = 0; r < t; r++) {
                y[r][o] = b + RowDots.dot(vector, rows, x[r], in);
            }
        }
    }
}
