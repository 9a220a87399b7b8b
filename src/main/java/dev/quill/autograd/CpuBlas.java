package dev.quill.autograd;

import static org.bytedeco.openblas.global.openblas_nolapack.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas_nolapack.CblasTrans;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * GEMM called straight in OpenBLAS, the library under ND4J's CPU backend (JavaCPP's openblas preset loads
 * the same {@code libopenblas.so.0}, so this is the same routine on the same memory and gives the same bits as
 * {@code Nd4j.gemm}). What it skips is ND4J's work around the call: an op object, its shape checks and op
 * context, ~10 us a call, and a few percent more of the product at the baby model's sizes
 * ({@code MatMulBench}, docs/performance.md). It also reaches a range of rows by an offset, where ND4J needs a
 * view object per piece.
 *
 * <p>For row-major storage: an operand is a (rows, cols) block that starts at element {@code offset} of its
 * array's buffer, with {@code ld} elements from one row to the next. For a c-order array the whole thing is
 * {@code offset()} and {@code stride(0)}; OpenBLAS reads op(A) = A^T from the same storage when asked.
 */
final class CpuBlas {

    private CpuBlas() {
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

    /** {@return the distance between rows of a {@link #rowMajor} array, as BLAS wants it (at least 1)} */
    static int ld(INDArray a) {
        return (int) Math.max(1, a.size(0) > 1 ? a.stride(0) : a.size(1));
    }

    /**
     * C = op(A) op(B) + beta C, for rows {@code [r0, r1)} of C: (r1 - r0, n), op(A) (r1 - r0, k), op(B) (k, n).
     * The arrays are {@link #rowMajor}, all of one data type; A and B may be transposed in storage (tA:
     * A is stored (k, rows of C)).
     */
    static void gemm(INDArray a, INDArray b, INDArray c, boolean ta, boolean tb, double beta, int r0, int r1) {
        int n = (int) c.size(1);
        int k = (int) (tb ? b.size(1) : b.size(0));
        int lda = ld(a), ldb = ld(b), ldc = ld(c);
        int aAt = (int) a.offset() + (ta ? r0 : r0 * lda);           // first row of op(A): a column of A when tA
        int cAt = (int) c.offset() + r0 * ldc;
        gemm(a, aAt, lda, ta, b, (int) b.offset(), ldb, tb, c, cAt, ldc, r1 - r0, n, k, beta);
    }

    /**
     * The BLAS call itself: C (m, n) at element cAt, ldc = op(A) (m, k) at aAt, lda times op(B) (k, n) at
     * bAt, ldb, plus beta C. Offsets index each array's whole buffer.
     */
    static void gemm(INDArray a, int aAt, int lda, boolean ta, INDArray b, int bAt, int ldb, boolean tb,
                     INDArray c, int cAt, int ldc, int m, int n, int k, double beta) {
        int opA = ta ? CblasTrans : CblasNoTrans, opB = tb ? CblasTrans : CblasNoTrans;
        if (c.dataType() == DataType.FLOAT) {
            FloatBuffer pa = floats(a, aAt), pb = floats(b, bAt), pc = floats(c, cAt);
            openblas_nolapack.cblas_sgemm(CblasRowMajor, opA, opB, m, n, k, 1f, pa, lda, pb, ldb, (float) beta, pc, ldc);
        } else {
            DoubleBuffer pa = doubles(a, aAt), pb = doubles(b, bAt), pc = doubles(c, cAt);
            openblas_nolapack.cblas_dgemm(CblasRowMajor, opA, opB, m, n, k, 1.0, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }

    // JavaCPP passes a buffer's address plus its position: a fresh buffer object per call, positioned at the
    // operand's first element, so threads that share an array never move each other's position
    private static FloatBuffer floats(INDArray a, int at) {
        return a.data().asNioFloat().duplicate().position(at);
    }

    private static DoubleBuffer doubles(INDArray a, int at) {
        return a.data().asNioDouble().duplicate().position(at);
    }
}
