package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link MatMul}'s products cut over Quill's threads ({@link Parallel}): a big 2-D product by rows of x and
 * out, one GEMM per piece; a big batched product by its batch. Each piece is the same ND4J call on views,
 * so this is the plain product's arithmetic, only side by side. On one thread, or off the CPU, nothing is cut
 * and {@link MatMul#productInto} makes its one call.
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
     * out = op(x) @ op(y) + beta * out in pieces, when the product is big enough and there are threads to
     * share it: a 2-D product (not transposed x, beta 0) by rows, a batched one by its batch.
     *
     * @return true when it did the product; false, having done nothing, when the caller should make one call
     */
    static boolean inPieces(INDArray x, INDArray y, INDArray out, boolean tx, boolean ty, double beta) {
        int r = x.rank();
        long m = out.size(r - 2), n = out.size(r - 1), k = tx ? x.size(r - 2) : x.size(r - 1);
        long batch = out.length() / (m * n);
        if (batch * m * n * k < SPLIT_WORK) {
            return false;
        }
        if (r == 2) {
            if (tx || beta != 0.0) {
                return false;
            }
            int[] cut = Parallel.split((int) m, MIN_ROWS, 8, 1);                  // rows of x and out
            if (cut.length <= 2) {
                return false;
            }
            INDArray[] xs = rows(x, cut), outs = rows(out, cut);
            Parallel.forEach(xs.length, i -> Nd4j.gemm(xs[i], y, outs[i], false, ty, 1.0, 0.0));
            return true;
        }
        int[] cut = Parallel.split((int) batch, 1, 1);                            // the batch
        if (cut.length <= 2) {
            return false;
        }
        INDArray[] xs = rows(x.reshape(batch, x.size(r - 2), x.size(r - 1)), cut);
        INDArray[] ys = rows(y.reshape(batch, y.size(r - 2), y.size(r - 1)), cut);
        INDArray[] outs = rows(out.reshape(batch, m, n), cut);
        Parallel.forEach(xs.length, i -> Nd4j.matmul(xs[i], ys[i], outs[i], tx, ty, false));
        return true;
    }

    /** Views of a's first-axis ranges [cut[i], cut[i + 1]): made on the calling thread. */
    static INDArray[] rows(INDArray a, int[] cut) {
        INDArray[] v = new INDArray[cut.length - 1];
        for (int i = 0; i < v.length; i++) {
            INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
            idx[0] = NDArrayIndex.interval(cut[i], cut[i + 1]);
            for (int d = 1; d < idx.length; d++) {
                idx[d] = NDArrayIndex.all();
            }
            v[i] = a.get(idx);
        }
        return v;
    }
}
