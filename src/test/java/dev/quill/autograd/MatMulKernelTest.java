package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The direct OpenBLAS products ({@link MatMulKernel}, {@link CpuBlas}) against a triple loop in double (the
 * definition) and, for FLOAT, bit for bit against ND4J's own call: transposes, accumulation, operands that
 * are views inside bigger arrays, batches, and products big enough to be cut over threads (each piece bit for
 * bit ND4J's product of its rows; the cut whole may differ from one uncut call in the last bits).
 */
class MatMulKernelTest {

    /** op(x) @ op(y) by its definition, in double: the independent reference. */
    private static double[][] naive(INDArray x, INDArray y, boolean tx, boolean ty) {
        long m = tx ? x.size(1) : x.size(0), k = tx ? x.size(0) : x.size(1), n = ty ? y.size(0) : y.size(1);
        double[][] out = new double[(int) m][(int) n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (tx ? x.getDouble(p, i) : x.getDouble(i, p)) * (ty ? y.getDouble(j, p) : y.getDouble(p, j));
                }
                out[i][j] = s;
            }
        }
        return out;
    }

    private static void assertClose(INDArray got, double[][] want, double tol) {
        for (int i = 0; i < want.length; i++) {
            for (int j = 0; j < want[i].length; j++) {
                assertThat(got.getDouble(i, j)).as("(%d, %d)", i, j).isCloseTo(want[i][j], org.assertj.core.data.Offset.offset(tol));
            }
        }
    }

    private static INDArray randn(DataType t, long seed, long... shape) {
        return TestArrays.randn(seed, shape).castTo(t);
    }

    @Property(tries = 100)
    void everyTransposeMatchesTheDefinitionAndNd4j(@ForAll @IntRange(min = 1, max = 70) int m,
                                                   @ForAll @IntRange(min = 1, max = 40) int k,
                                                   @ForAll @IntRange(min = 1, max = 50) int n,
                                                   @ForAll boolean tx, @ForAll boolean ty, @ForAll boolean dbl) {
        DataType t = dbl ? DataType.DOUBLE : DataType.FLOAT;
        INDArray x = tx ? randn(t, 1, k, m) : randn(t, 1, m, k);
        INDArray y = ty ? randn(t, 2, n, k) : randn(t, 2, k, n);
        INDArray out = Nd4j.createUninitialized(t, m, n);
        assertThat(MatMulKernel.product(x, y, out, tx, ty, 0.0)).isTrue();
        assertClose(out, naive(x, y, tx, ty), dbl ? 1e-12 : 1e-4);
        // FLOAT with a matrix on both sides: ND4J calls the same sgemm, so the bits agree. A single row or
        // column (m or n is 1) goes another way in ND4J, with its own summation order (at k 32 and 39 the last
        // bit differs), and DOUBLE it may do itself: those are checked against the definition only.
        if (!dbl && m > 1 && n > 1) {
            INDArray nd4j = Nd4j.gemm(x, y, Nd4j.create(t, m, n), tx, ty, 1.0, 0.0);
            assertThat(out.ravel().toDoubleVector()).containsExactly(nd4j.ravel().toDoubleVector());
        }
    }

    @Test
    void betaOneAddsIntoTheOutput() {
        INDArray x = randn(DataType.DOUBLE, 3, 9, 5), y = randn(DataType.DOUBLE, 4, 5, 7);
        INDArray out = randn(DataType.DOUBLE, 5, 9, 7), before = out.dup();
        assertThat(MatMulKernel.product(x, y, out, false, false, 1.0)).isTrue();
        double[][] p = naive(x, y, false, false);
        for (int i = 0; i < 9; i++) {
            for (int j = 0; j < 7; j++) {
                p[i][j] += before.getDouble(i, j);
            }
        }
        assertClose(out, p, 1e-12);
    }

    @Test
    void viewsInsideBiggerArraysAreReadAndWrittenInPlace() {
        INDArray bigX = randn(DataType.FLOAT, 6, 100, 96);
        INDArray x = bigX.get(NDArrayIndex.interval(10, 50), NDArrayIndex.interval(32, 64));      // (40, 32), rows 96 apart
        INDArray y = randn(DataType.FLOAT, 7, 32, 20);
        INDArray bigOut = Nd4j.zeros(DataType.FLOAT, 60, 30);
        INDArray out = bigOut.get(NDArrayIndex.interval(20, 60), NDArrayIndex.interval(5, 25));   // (40, 20), rows 30 apart
        assertThat(x.offset()).isPositive();
        assertThat(MatMulKernel.product(x, y, out, false, false, 0.0)).isTrue();
        assertClose(out, naive(x, y, false, false), 1e-4);
        // nothing outside the view was written
        INDArray outside = bigOut.dup();
        outside.get(NDArrayIndex.interval(20, 60), NDArrayIndex.interval(5, 25)).assign(0);
        assertThat(outside.amaxNumber().doubleValue()).isZero();
    }

    @Test
    void aProductCutOverThreadsIsEachPiecesOwnGemm() {
        // 256 x 256 x 64 = 4M multiply-adds: above the split threshold, so on several threads each takes rows;
        // each piece is OpenBLAS's product of its rows (bit for bit), and the whole is the definition's
        INDArray x = randn(DataType.FLOAT, 8, 256, 64), y = randn(DataType.FLOAT, 9, 256, 64);
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, 256, 256);
        assertThat(MatMulKernel.product(x, y, out, false, true, 0.0)).isTrue();
        int[] cut = Parallel.split(256, 32, 8, 1);                      // the kernel's own cut
        for (int i = 0; i + 1 < cut.length; i++) {
            INDArray rows = x.get(NDArrayIndex.interval(cut[i], cut[i + 1]), NDArrayIndex.all());
            INDArray piece = Nd4j.gemm(rows, y, Nd4j.create(DataType.FLOAT, cut[i + 1] - cut[i], 256), false, true, 1.0, 0.0);
            assertThat(out.get(NDArrayIndex.interval(cut[i], cut[i + 1]), NDArrayIndex.all()).dup().ravel().toDoubleVector())
                    .as("rows %d..%d", cut[i], cut[i + 1]).containsExactly(piece.ravel().toDoubleVector());
        }
        assertClose(out, naive(x, y, false, true), 1e-3);
    }

    @Property(tries = 12)
    void batchedProductsMatchTheDefinitionPerMatrix(@ForAll @IntRange(min = 1, max = 5) int batch,
                                                   @ForAll @IntRange(min = 1, max = 40) int m,
                                                   @ForAll @IntRange(min = 1, max = 30) int k,
                                                   @ForAll @IntRange(min = 1, max = 40) int n,
                                                   @ForAll boolean tx, @ForAll boolean ty) {
        INDArray x = tx ? randn(DataType.DOUBLE, 11, 2, batch, k, m) : randn(DataType.DOUBLE, 11, 2, batch, m, k);
        INDArray y = ty ? randn(DataType.DOUBLE, 12, 2, batch, n, k) : randn(DataType.DOUBLE, 12, 2, batch, k, n);
        INDArray out = Nd4j.createUninitialized(DataType.DOUBLE, 2, batch, m, n);
        assertThat(MatMulKernel.product(x, y, out, tx, ty, 0.0)).isTrue();
        for (int a = 0; a < 2; a++) {
            for (int b = 0; b < batch; b++) {
                INDArray xi = x.get(NDArrayIndex.point(a), NDArrayIndex.point(b)), yi = y.get(NDArrayIndex.point(a), NDArrayIndex.point(b));
                assertClose(out.get(NDArrayIndex.point(a), NDArrayIndex.point(b)), naive(xi, yi, tx, ty), 1e-12);
            }
        }
    }

    @Test
    void whatItCannotTakeIsLeftToTheCaller() {
        INDArray x = randn(DataType.FLOAT, 1, 4, 3), y = randn(DataType.FLOAT, 2, 3, 5);
        assertThat(MatMulKernel.product(x, y, Nd4j.create(DataType.DOUBLE, 4, 5), false, false, 0.0)).isFalse();  // mixed types
        assertThat(MatMulKernel.product(x.castTo(DataType.HALF), y.castTo(DataType.HALF), Nd4j.create(DataType.HALF, 4, 5),
                false, false, 0.0)).isFalse();
        INDArray fOut = Nd4j.create(DataType.FLOAT, new long[] {4, 5}, 'f');                            // column-major out
        assertThat(MatMulKernel.product(x, y, fOut, false, false, 0.0)).isFalse();
        Kernels.force(false);
        try {
            assertThat(MatMulKernel.product(x, y, Nd4j.create(DataType.FLOAT, 4, 5), false, false, 0.0)).isFalse();
        } finally {
            Kernels.force(null);
        }
    }
}
