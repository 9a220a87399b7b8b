package dev.quill.autograd;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * GEMM called straight in OpenBLAS, the library under ND4J's CPU backend. JavaCPP's openblas preset loads the
 * same {@code libopenblas.so.0}, so for FLOAT this is the routine {@code Nd4j.gemm} calls, on the same memory,
 * with the same bits (for DOUBLE, ND4J's results differed in the last bits). What it skips is ND4J's work
 * around the call: an op object, its shape checks and op context, ~10 us a call, and 2-9% of the product at
 * the baby model's sizes (a standalone probe, docs/performance.md). A piece of a product is the same storage
 * at another element ({@link Operand}), where ND4J needs a view object per piece.
 *
 * <p>Row-major storage: an operand is a block of rows that starts at element {@code at} of its array's
 * storage, {@code ld} elements from one row to the next; OpenBLAS reads op(A) = A^T from the same storage
 * when asked.
 */
public final class CpuBlas {

    private CpuBlas() {
    }

    /**
     * y (t, m) = x (t, n) W^T for the m rows of a FLOAT weight W (m, n) that start at element {@code at} of
     * {@code w}, n apart: one GEMV when t = 1, else one GEMM. The rows of x lie one after another in
     * {@code x}, and y is written the same way; x and y are direct buffers (OpenBLAS reads and writes them in
     * place), each from its element 0.
     *
     * @param w  the weight's storage, a direct FloatBuffer (a parameter's, as ND4J holds it)
     * @param at W's first element in w
     * @param m  rows of W used (outputs)
     * @param n  columns of W (inputs)
     * @param x  (t, n) inputs, direct
     * @param t  positions
     * @param y  (t, m) written, direct
     */
    public static void rowProducts(FloatBuffer w, int at, int m, int n, FloatBuffer x, int t, FloatBuffer y) {
        FloatBuffer rows = w.duplicate().position(at);
        if (t == 1) {
            openblas_nolapack.cblas_sgemv(CblasRowMajor, CblasNoTrans, m, n, 1f, rows, n, x, 1, 0f, y, 1);
        } else {
            openblas_nolapack.cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, t, m, n, 1f, x, n, rows, n, 0f, y, m);
        }
    }

    /**
     * {@return a new direct FloatBuffer of {@code n} floats in the machine's byte order}: what native code
     * (OpenBLAS here, the collectives' engines) reads and writes in place, without a copy.
     *
     * @param n its capacity in floats
     */
    public static FloatBuffer directFloats(int n) {
        return ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /**
     * True when {@code a} can be a GEMM operand here: FLOAT or DOUBLE, 2-D with its rows one after another
     * at a fixed distance (stride 1 along the last axis), all of it within an NIO buffer's int index.
     */
    static boolean rowMajor(INDArray a) {
        if (a.rank() != 2 || (a.dataType() != DataType.FLOAT && a.dataType() != DataType.DOUBLE)) {
            return false;
        }
        long rows = a.size(0), cols = a.size(1);
        long ld = rows > 1 ? a.stride(0) : cols;
        boolean unit = cols == 1 || a.stride(1) == 1;
        return unit && ld >= cols && a.offset() + (rows - 1) * ld + cols <= Integer.MAX_VALUE;
    }

    /**
     * True when {@code a} (any rank) is FLOAT or DOUBLE, dense in c order, and within an NIO buffer's int
     * index: a stack of row-major matrices, the last two axes, one after another.
     */
    static boolean denseRows(INDArray a) {
        return (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE) && a.ordering() == 'c'
                && Shapes.dense(a) && a.offset() + a.length() <= Integer.MAX_VALUE;
    }

    /**
     * Where a GEMM operand lies: its array's whole storage as an NIO buffer (FloatBuffer or DoubleBuffer,
     * indexed from the buffer's element 0), the element where the operand starts, and the distance between
     * its rows. Made once per product on the calling thread (asking ND4J for the storage is a native call);
     * a piece of the product is the same storage at another element.
     */
    record Operand(Buffer storage, int at, int ld) {

        /** The whole of a {@link #rowMajor} array, or, for a stack of matrices, its first one (ld = columns). */
        static Operand of(INDArray a) {
            Buffer storage = a.dataType() == DataType.FLOAT ? a.data().asNioFloat() : a.data().asNioDouble();
            int r = a.rank();
            long rows = a.size(r - 2), cols = a.size(r - 1);
            long ld = r == 2 && rows > 1 ? a.stride(0) : cols;
            return new Operand(storage, Math.toIntExact(a.offset()), (int) Math.max(1, ld));
        }

        /** {@return this operand moved on by {@code elements}} */
        Operand plus(int elements) {
            return new Operand(storage, at + elements, ld);
        }
    }

    /**
     * The BLAS call: C (m, n) = op(A) (m, k) op(B) (k, n) + beta C, every operand FLOAT or all DOUBLE.
     * A is stored (k, m) when {@code ta}, B (n, k) when {@code tb}.
     */
    static void gemm(Operand a, boolean ta, Operand b, boolean tb, Operand c, int m, int n, int k, double beta) {
        int opA = ta ? CblasTrans : CblasNoTrans, opB = tb ? CblasTrans : CblasNoTrans;
        if (c.storage() instanceof FloatBuffer) {
            openblas_nolapack.cblas_sgemm(CblasRowMajor, opA, opB, m, n, k, 1f, floats(a), a.ld(), floats(b), b.ld(),
                    (float) beta, floats(c), c.ld());
        } else {
            openblas_nolapack.cblas_dgemm(CblasRowMajor, opA, opB, m, n, k, 1.0, doubles(a), a.ld(), doubles(b), b.ld(),
                    beta, doubles(c), c.ld());
        }
    }

    // JavaCPP passes a buffer's address plus its position: a duplicate per call, positioned at the operand's
    // first element, so threads that share a storage buffer never move each other's position
    private static FloatBuffer floats(Operand o) {
        return ((FloatBuffer) o.storage()).duplicate().position(o.at());
    }

    private static DoubleBuffer doubles(Operand o) {
        return ((DoubleBuffer) o.storage()).duplicate().position(o.at());
    }
}
