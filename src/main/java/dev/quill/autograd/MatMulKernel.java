package dev.quill.autograd;

import java.lang.ref.Reference;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link MatMul}'s products on the CPU: OpenBLAS's GEMM called directly ({@link CpuBlas}), cut over Quill's
 * threads ({@link Parallel}) when the product is big enough: a 2-D product by rows of op(x) and out, a batched
 * one by its batch, one GEMM per piece and per matrix of the batch. For FLOAT every call is the routine that
 * {@code Nd4j.gemm} calls, on the same memory, with the same bits ({@code MatMulKernelTest}); a product cut by
 * rows can differ in the last bits from one uncut call (OpenBLAS blocks different row counts differently), as
 * the ND4J calls on row views that this replaces did.
 */
final class MatMulKernel {

    // products below this many multiply-adds run whole on one thread (a hand-off costs ~20-50 us); a split
    // product takes one piece per thread: a baby forward product (768 rows) ran faster as two GEMMs of 384 rows
    // than as four of 192 (MatMulBench.engineForward, 2 threads: 0.57-0.58 against 0.70 ms; the forward phase
    // of StepProfile, interleaved runs: one piece per thread everywhere 13.4 ms, median of 14; two 15.2, of 12)
    private static final long SPLIT_WORK = 1L << 21;
    private static final int MIN_ROWS = 32;

    private MatMulKernel() {
    }

    /**
     * out = op(x) @ op(y) + beta * out, when Java kernels run (the CPU backend) and every operand is FLOAT or
     * DOUBLE in c-order storage (x and y dense, as {@link MatMul} passes them; out with unit stride along its
     * rows): 2-D products, and batched ones of equal batch axes.
     *
     * @return true when it did the product; false, having done nothing, when the caller should make the ND4J call
     */
    static boolean product(INDArray x, INDArray y, INDArray out, boolean tx, boolean ty, double beta) {
        if (!javaTypes(x, y, out)) {
            return false;
        }
        int r = x.rank();
        if (r == 2) {
            if (!rowMajor(x, y, out)) {
                return false;
            }
            int m = (int) out.size(0), n = (int) out.size(1), k = (int) (tx ? x.size(0) : x.size(1));
            byRows(CpuBlas.Operand.of(x), tx, CpuBlas.Operand.of(y), ty, CpuBlas.Operand.of(out), m, n, k, beta);
            return true;
        }
        if (beta != 0.0 || !CpuBlas.denseRows(x) || !CpuBlas.denseRows(y) || !CpuBlas.denseRows(out)) {
            return false;
        }
        int xSize = (int) (x.size(r - 2) * x.size(r - 1)), ySize = (int) (y.size(r - 2) * y.size(r - 1));
        int m = (int) out.size(r - 2), n = (int) out.size(r - 1), k = (int) (tx ? x.size(r - 2) : x.size(r - 1));
        int batch = (int) (out.length() / ((long) m * n));
        CpuBlas.Operand a = CpuBlas.Operand.of(x), b = CpuBlas.Operand.of(y), c = CpuBlas.Operand.of(out);
        int[] cut = (long) batch * m * n * k >= SPLIT_WORK ? Parallel.split(batch, 1, 1) : new int[] {0, batch};
        Parallel.forEach(cut.length - 1, i -> {
            for (int bi = cut[i]; bi < cut[i + 1]; bi++) {       // matrix bi of each stack
                CpuBlas.gemm(a.plus(bi * xSize), tx, b.plus(bi * ySize), ty, c.plus(bi * m * n), m, n, k, 0.0);
            }
        });
        return true;
    }

    /**
     * out (..., N) = x (..., K) @ op(y) for a 2-D y and x and out dense in c order, of any rank: the 2-D product
     * of their rows, x read as (rows, K) and out as (rows, N) where they lie, so no 2-D views of them are made
     * (a Linear on (B, T, C)). The same GEMMs, cut the same way, as {@link #product} on such views.
     *
     * @return true when it did the product; false, having done nothing, when the caller should make the views
     */
    static boolean productOfRows(INDArray x, INDArray y, INDArray out, boolean ty) {
        if (!javaTypes(x, y, out) || !CpuBlas.denseRows(x) || !CpuBlas.denseRows(out) || !CpuBlas.rowMajor(y)) {
            return false;
        }
        int k = (int) x.size(x.rank() - 1), n = (int) out.size(out.rank() - 1), m = (int) (out.length() / n);
        byRows(CpuBlas.Operand.of(x), false, CpuBlas.Operand.of(y), ty, CpuBlas.Operand.of(out), m, n, k, 0.0);
        return true;
    }

    /**
     * C (m, n) = op(A) op(B) + beta C, cut by rows of op(A) and C for Quill's threads when it is big enough; a
     * transposed A or an accumulation (beta 1), a Linear's weight gradient, stays whole: the Linear's backward
     * runs it beside dx ({@link Parallel#later} or {@link Parallel#both}).
     */
    private static void byRows(CpuBlas.Operand a, boolean tx, CpuBlas.Operand b, boolean ty, CpuBlas.Operand c,
                               int m, int n, int k, double beta) {
        int[] cut = !tx && beta == 0.0 && (long) m * n * k >= SPLIT_WORK
                ? Parallel.split(m, MIN_ROWS, 8, 1) : new int[] {0, m};
        Parallel.forEach(cut.length - 1, i -> {
            int r0 = cut[i];                           // the piece's first row of op(A): a column of A when tx
            CpuBlas.gemm(a.plus(tx ? r0 : r0 * a.ld()), tx, b, ty, c.plus(r0 * c.ld()), cut[i + 1] - r0, n, k, beta);
        });
    }

    /**
     * The 2-D {@link #product} out = op(x) @ op(y) + beta * out as one task to run later, on any thread (see
     * {@link Parallel#later}): the operands are located here, on the calling thread, so the task itself only
     * calls BLAS. It is one GEMM, the call {@link #product} makes for a transposed x or for beta 1, so it gives
     * the same bits as that route. x and y may also be dense arrays of more axes, each read as the matrix of
     * its rows, (..., n) as (rows, n): a Linear's input and output gradient, with no 2-D views made of them.
     *
     * @return the task, or null when {@link #product} would not take these arrays
     */
    static Runnable later(INDArray x, INDArray y, INDArray out, boolean tx, boolean ty, double beta) {
        if (!javaTypes(x, y, out) || !matrixOfRows(x) || !matrixOfRows(y) || !CpuBlas.rowMajor(out)) {
            return null;
        }
        int m = (int) out.size(0), n = (int) out.size(1), k = (int) (tx ? rows(x) : x.size(-1));
        CpuBlas.Operand a = CpuBlas.Operand.of(x), b = CpuBlas.Operand.of(y), c = CpuBlas.Operand.of(out);
        return () -> {
            CpuBlas.gemm(a, tx, b, ty, c, m, n, k, beta);
            // the operands' NIO views do not keep their arrays alive: these do, until the GEMM is done (an
            // array outside every scope is freed when the GC collects it)
            Reference.reachabilityFence(x);
            Reference.reachabilityFence(y);
            Reference.reachabilityFence(out);
        };
    }

    /** {@return true when Java kernels run and x, y, out are non-empty arrays of one data type} */
    private static boolean javaTypes(INDArray x, INDArray y, INDArray out) {
        return Kernels.java() && x.dataType() == out.dataType() && y.dataType() == out.dataType() && !out.isEmpty()
                && !x.isEmpty() && !y.isEmpty();
    }

    /** {@return true when x, y and out are 2-D with rows that BLAS can read in place} */
    private static boolean rowMajor(INDArray x, INDArray y, INDArray out) {
        return CpuBlas.rowMajor(x) && CpuBlas.rowMajor(y) && CpuBlas.rowMajor(out);
    }

    /**
     * {@return true for a 2-D array whose rows BLAS can read in place, or a dense one of more axes}: either is a
     * matrix of rows for {@link CpuBlas.Operand#of} (the second kind (..., n) as (rows, n), with no view made).
     */
    private static boolean matrixOfRows(INDArray a) {
        return a.rank() == 2 ? CpuBlas.rowMajor(a) : a.rank() > 2 && CpuBlas.denseRows(a);
    }

    /** {@return the rows of a taken as a matrix: its first axis when 2-D, all but its last axis together else} */
    static long rows(INDArray a) {
        return a.rank() == 2 ? a.size(0) : a.length() / a.size(-1);
    }
}
