package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Every op's backward against central finite differences in double precision (see {@link GradCheck}),
 * on shapes that jqwik draws, including size-1 axes and scalars for broadcasting.
 */
class OpGradientTest {

    private static final double TOL = 1e-6;

    private static void assertGradient(Function<List<Tensor>, Tensor> f, INDArray... inputs) {
        GradCheck.Result r = GradCheck.check(f, 42, inputs);
        assertThat(r.maxError()).as(r.toString()).isLessThan(TOL);
        assertThat(r.checked()).isPositive();
    }

    // ------------------------------------------------------------ elementwise with broadcasting

    /** Shapes (a, b, c) and a second operand where some axes are 1 or missing. */
    private static long[][] broadcastPair(int a, int b, int c, int pattern) {
        long[] full = {a, b, c};
        return switch (pattern) {
            case 0 -> new long[][] {full, {a, b, c}};
            case 1 -> new long[][] {full, {c}};
            case 2 -> new long[][] {full, {1, b, 1}};
            case 3 -> new long[][] {full, {a, 1, c}};
            case 4 -> new long[][] {{1, b, 1}, {a, 1, c}}; // both stretch
            default -> new long[][] {full, {}};             // a scalar
        };
    }

    @Property(tries = 12)
    void addSubMulDivBroadcast(@ForAll @IntRange(min = 1, max = 4) int a, @ForAll @IntRange(min = 1, max = 4) int b,
                               @ForAll @IntRange(min = 1, max = 5) int c, @ForAll @IntRange(min = 0, max = 5) int pattern) {
        long[][] s = broadcastPair(a, b, c, pattern);
        INDArray x = TestArrays.randn(1, s[0]);
        INDArray y = TestArrays.randn(2, s[1]);
        INDArray yAwayFromZero = TestArrays.uniform(3, 0.5, 2.0, s[1]);
        assertGradient(t -> t.get(0).add(t.get(1)), x, y);
        assertGradient(t -> t.get(0).sub(t.get(1)), x, y);
        assertGradient(t -> t.get(0).mul(t.get(1)), x, y);
        assertGradient(t -> t.get(0).div(t.get(1)), x, yAwayFromZero);
        assertGradient(t -> t.get(1).sub(t.get(0)), x, y); // the broadcast operand on the left
    }

    @Test
    void scalarOps() {
        INDArray x = TestArrays.uniform(4, 0.3, 2.0, 3, 4);
        assertGradient(t -> t.get(0).add(2.5), x);
        assertGradient(t -> t.get(0).mul(-1.7), x);
        assertGradient(t -> t.get(0).neg(), x);
        assertGradient(t -> t.get(0).pow(3.0), x);
        assertGradient(t -> t.get(0).sqrt(), x);
        assertGradient(t -> t.get(0).rsqrt(), x);
    }

    @Property(tries = 8)
    void unaryOps(@ForAll @IntRange(min = 1, max = 3) int a, @ForAll @IntRange(min = 1, max = 6) int b) {
        INDArray x = TestArrays.randn(5, a, b);
        assertGradient(t -> t.get(0).exp(), x);
        assertGradient(t -> t.get(0).tanh(), x);
        assertGradient(t -> t.get(0).gelu(), x);
        assertGradient(t -> t.get(0).geluTanh(), x);
        assertGradient(t -> t.get(0).log(), TestArrays.uniform(6, 0.2, 3.0, a, b));
    }

    @Test
    void geluNd4jFallbackPathAlsoChecks() {
        INDArray x = TestArrays.randn(55, 3, 7).muli(2);
        Kernels.force(false);
        try {
            assertGradient(t -> t.get(0).gelu(), x);
            assertGradient(t -> t.get(0).geluTanh(), x);
        } finally {
            Kernels.force(null);
        }
        // both paths give the same values
        double[] java = Tensor.of(x).gelu().value().reshape(-1).toDoubleVector();
        Kernels.force(false);
        try {
            assertThat(Tensor.of(x).gelu().value().reshape(-1).toDoubleVector()).containsExactly(java, org.assertj.core.data.Offset.offset(1e-14));
        } finally {
            Kernels.force(null);
        }
        // GELU's known values: gelu(0) = 0, gelu(1) = Phi(1) = 0.8413447460685429
        assertThat(Tensor.of(org.nd4j.linalg.factory.Nd4j.createFromArray(0.0, 1.0)).gelu().value().toDoubleVector())
                .containsExactly(new double[] {0.0, 0.8413447460685429}, org.assertj.core.data.Offset.offset(1e-15));
    }

    // ------------------------------------------------------------ matmul

    @Property(tries = 10)
    void matmul2dWithEveryTranspose(@ForAll @IntRange(min = 1, max = 5) int m, @ForAll @IntRange(min = 1, max = 5) int k,
                                    @ForAll @IntRange(min = 1, max = 5) int n, @ForAll boolean ta, @ForAll boolean tb) {
        INDArray a = ta ? TestArrays.randn(7, k, m) : TestArrays.randn(7, m, k);
        INDArray b = tb ? TestArrays.randn(8, n, k) : TestArrays.randn(8, k, n);
        assertGradient(t -> t.get(0).matmul(t.get(1), ta, tb), a, b);
    }

    @Property(tries = 8)
    void matmulBatched3dAnd4d(@ForAll @IntRange(min = 1, max = 3) int b0, @ForAll @IntRange(min = 1, max = 3) int b1,
                              @ForAll @IntRange(min = 1, max = 4) int m, @ForAll @IntRange(min = 1, max = 4) int k,
                              @ForAll boolean ta, @ForAll boolean tb) {
        int n = 3;
        INDArray a3 = ta ? TestArrays.randn(9, b0, k, m) : TestArrays.randn(9, b0, m, k);
        INDArray c3 = tb ? TestArrays.randn(10, b0, n, k) : TestArrays.randn(10, b0, k, n);
        assertGradient(t -> t.get(0).matmul(t.get(1), ta, tb), a3, c3);
        INDArray a4 = ta ? TestArrays.randn(11, b0, b1, k, m) : TestArrays.randn(11, b0, b1, m, k);
        INDArray c4 = tb ? TestArrays.randn(12, b0, b1, n, k) : TestArrays.randn(12, b0, b1, k, n);
        assertGradient(t -> t.get(0).matmul(t.get(1), ta, tb), a4, c4);
    }

    @Property(tries = 8)
    void matmulNdTimesMatrixLikeLinear(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 1, max = 4) int t,
                                       @ForAll @IntRange(min = 1, max = 4) int c, @ForAll boolean tb) {
        int out = 5;
        INDArray x = TestArrays.randn(13, b, t, c);
        INDArray w = tb ? TestArrays.randn(14, out, c) : TestArrays.randn(14, c, out);
        assertGradient(ts -> ts.get(0).matmul(ts.get(1), false, tb), x, w);
    }

    // ------------------------------------------------------------ shape ops

    @Test
    void permuteTransposeReshape() {
        INDArray x = TestArrays.randn(15, 2, 3, 4);
        assertGradient(t -> t.get(0).permute(2, 0, 1), x);
        assertGradient(t -> t.get(0).transpose(1, 2), x);
        assertGradient(t -> t.get(0).reshape(4, -1), x);
        assertGradient(t -> t.get(0).reshape(2, 3, 2, 2).permute(0, 2, 1, 3), x);
    }

    @Test
    void sliceSplitConcat() {
        INDArray x = TestArrays.randn(16, 2, 3, 6);
        assertGradient(t -> t.get(0).slice(2, 1, 4), x);
        assertGradient(t -> t.get(0).slice(0, 1, 2), x);
        // the fused-QKV pattern: split into three and use the pieces differently
        assertGradient(t -> {
            List<Tensor> qkv = t.get(0).split(2, 3);
            return qkv.get(0).mul(qkv.get(1)).add(qkv.get(2).mul(3.0));
        }, x);
        INDArray y = TestArrays.randn(17, 2, 1, 6);
        assertGradient(t -> Tensor.concat(1, t.get(0), t.get(1), t.get(0)), x, y);
    }

    @Property(tries = 8)
    void sumAndMean(@ForAll @IntRange(min = 1, max = 4) int a, @ForAll @IntRange(min = 1, max = 4) int b,
                    @ForAll @IntRange(min = 1, max = 4) int c, @ForAll boolean keep) {
        INDArray x = TestArrays.randn(18, a, b, c);
        assertGradient(t -> t.get(0).sum(), x);
        assertGradient(t -> t.get(0).mean(), x);
        assertGradient(t -> t.get(0).sum(keep, -1), x);
        assertGradient(t -> t.get(0).mean(keep, 0, 2), x);
        assertGradient(t -> t.get(0).sum(keep, 1), x);
    }

    // ------------------------------------------------------------ softmax family, masking, dropout

    @Property(tries = 8)
    void softmaxAndLogSoftmax(@ForAll @IntRange(min = 1, max = 4) int rows, @ForAll @IntRange(min = 1, max = 7) int v) {
        INDArray x = TestArrays.randn(19, 2, rows, v).muli(3.0);
        assertGradient(t -> t.get(0).softmax(), x);
        assertGradient(t -> t.get(0).logSoftmax(), x);
    }

    @Test
    void causalMaskThenSoftmax() {
        INDArray scores = TestArrays.randn(20, 2, 2, 5, 5);
        assertGradient(t -> t.get(0).causalMask().softmax(), scores);
    }

    @Test
    void dropoutWithAFixedMask() {
        INDArray x = TestArrays.randn(21, 4, 6);
        // a fresh generator with the same seed each call gives the same mask, so the function is fixed
        assertGradient(t -> t.get(0).dropout(0.3, new Rng(5), true), x);
    }

    @Test
    void embeddingWithRepeatedIds() {
        INDArray table = TestArrays.randn(22, 5, 3);
        INDArray ids = org.nd4j.linalg.factory.Nd4j.createFromArray(new int[][] {{1, 4, 1}, {0, 1, 4}});
        assertGradient(t -> t.get(0).embedding(ids), table);
    }

    @Property(tries = 10)
    void crossEntropyWithIgnoredTargets(@ForAll @IntRange(min = 1, max = 6) int rows, @ForAll @IntRange(min = 2, max = 9) int v,
                                        @ForAll @IntRange(min = 0, max = 1000) int seed) {
        INDArray logits = TestArrays.randn(seed, 2, rows, v).muli(2.0);
        INDArray targets = TestArrays.ints(seed + 1, v, 2, rows);
        targets.putScalar(0, -1); // one ignored position
        assertGradient(t -> t.get(0).crossEntropy(targets, -1), logits);
    }

    // ------------------------------------------------------------ graphs

    @Test
    void oneTensorFeedingTwoOpsGetsTheSumOfBothGradients() {
        INDArray x = TestArrays.randn(23, 3, 4);
        INDArray w = TestArrays.randn(24, 4, 2);
        // x is used by tanh, by the product and by the residual add
        assertGradient(t -> t.get(0).tanh().matmul(t.get(1)).sum(false, 1).add(t.get(0).sum(false, 1)), x, w);
    }

    @Test
    void twoLayerMlpWithCrossEntropy() {
        INDArray x = TestArrays.randn(25, 6, 4);
        INDArray w1 = TestArrays.randn(26, 4, 8);
        INDArray b1 = TestArrays.randn(27, 8);
        INDArray w2 = TestArrays.randn(28, 3, 8);
        INDArray targets = TestArrays.ints(29, 3, 6);
        assertGradient(t -> t.get(0).matmul(t.get(1)).add(t.get(2)).gelu().matmul(t.get(3), false, true)
                .crossEntropy(targets, -1), x, w1, b1, w2);
    }

    @Test
    void attentionComposedFromPrimitives() {
        // q, k, v of shape (B, nh, T, hs): softmax(mask(q k^T / sqrt(hs))) v
        INDArray q = TestArrays.randn(30, 1, 2, 4, 3);
        INDArray k = TestArrays.randn(31, 1, 2, 4, 3);
        INDArray v = TestArrays.randn(32, 1, 2, 4, 3);
        assertGradient(t -> t.get(0).matmul(t.get(1), false, true).mul(1 / Math.sqrt(3)).causalMask().softmax()
                .matmul(t.get(2)), q, k, v);
    }

    @Test
    void aWrongGradientIsCaught() {
        // the checker itself must be able to fail: a deliberately wrong backward (dx = 2 dy for y = x)
        Function<List<Tensor>, Tensor> wrong = t -> new Function<Tensor, Tensor>() {
            @Override
            public Tensor apply(Tensor x) {
                return new dev.quill.autograd.Function() {
                    Tensor run(Tensor in) {
                        return output(in.value().dup(), in);
                    }

                    @Override
                    protected void backward(INDArray dy) {
                        accumulateOwned(0, dy.mul(2.0));
                    }
                }.run(x);
            }
        }.apply(t.get(0));
        GradCheck.Result r = GradCheck.check(wrong, 1, TestArrays.randn(33, 3, 3));
        assertThat(r.maxError()).isGreaterThan(0.1);
    }
}
