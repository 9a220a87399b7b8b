package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The fused ops (norms, attention): finite differences in double, and agreement with the same function
 * composed from primitive ops, whose gradients are checked separately.
 */
class FusedOpTest {

    private static void assertGradient(Function<List<Tensor>, Tensor> f, INDArray... inputs) {
        GradCheck.Result r = GradCheck.check(f, 7, inputs);
        assertThat(r.maxError()).as(r.toString()).isLessThan(1e-6);
    }

    /** LayerNorm from primitives: (x - mean) / sqrt(var + eps) * g + b. */
    static Tensor layerNormComposite(Tensor x, Tensor g, Tensor b, double eps) {
        Tensor centered = x.sub(x.mean(true, -1));
        Tensor var = centered.mul(centered).mean(true, -1);
        Tensor y = centered.mul(var.add(eps).rsqrt()).mul(g);
        return b == null ? y : y.add(b);
    }

    /** RMSNorm from primitives: x / sqrt(mean(x^2) + eps) * g + b. */
    static Tensor rmsNormComposite(Tensor x, Tensor g, Tensor b, double eps) {
        Tensor y = x.mul(x.mul(x).mean(true, -1).add(eps).rsqrt()).mul(g);
        return b == null ? y : y.add(b);
    }

    /** Attention from primitives: softmax(mask(q k^T / sqrt(hs))) (dropped out) v. */
    static Tensor attentionComposite(Tensor q, Tensor k, Tensor v, double p, Rng rng, boolean training) {
        double scale = 1 / Math.sqrt(q.size(-1));
        return q.matmul(k, false, true).mul(scale).causalMask().softmax().dropout(p, rng, training).matmul(v);
    }

    @Property(tries = 8)
    void layerNormGradients(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 1, max = 4) int t,
                            @ForAll @IntRange(min = 2, max = 9) int c, @ForAll boolean withBias) {
        INDArray x = TestArrays.randn(1, b, t, c).muli(2).addi(0.5);
        INDArray g = TestArrays.randn(2, c);
        INDArray bias = TestArrays.randn(3, c);
        if (withBias) {
            assertGradient(ts -> ts.get(0).layerNorm(ts.get(1), ts.get(2), 1e-5), x, g, bias);
        } else {
            assertGradient(ts -> ts.get(0).layerNorm(ts.get(1), null, 1e-5), x, g);
        }
    }

    @Property(tries = 8)
    void rmsNormGradients(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 1, max = 4) int t,
                          @ForAll @IntRange(min = 1, max = 9) int c, @ForAll boolean withBias) {
        INDArray x = TestArrays.randn(4, b, t, c);
        INDArray g = TestArrays.randn(5, c);
        INDArray bias = TestArrays.randn(6, c);
        if (withBias) {
            assertGradient(ts -> ts.get(0).rmsNorm(ts.get(1), ts.get(2), 1e-5), x, g, bias);
        } else {
            assertGradient(ts -> ts.get(0).rmsNorm(ts.get(1), null, 1e-5), x, g);
        }
    }

    @Property(tries = 6)
    void attentionGradients(@ForAll @IntRange(min = 1, max = 2) int b, @ForAll @IntRange(min = 1, max = 3) int nh,
                            @ForAll @IntRange(min = 1, max = 6) int t, @ForAll @IntRange(min = 1, max = 4) int hs,
                            @ForAll boolean dropout) {
        INDArray q = TestArrays.randn(7, b, nh, t, hs);
        INDArray k = TestArrays.randn(8, b, nh, t, hs);
        INDArray v = TestArrays.randn(9, b, nh, t, hs);
        double p = dropout ? 0.3 : 0.0;
        assertGradient(ts -> Tensor.attention(ts.get(0), ts.get(1), ts.get(2), p, new Rng(3), true), q, k, v);
    }

    @Property(tries = 6)
    void packedQkvAttentionGradients(@ForAll @IntRange(min = 1, max = 2) int b, @ForAll @IntRange(min = 1, max = 3) int nh,
                                     @ForAll @IntRange(min = 1, max = 5) int t, @ForAll @IntRange(min = 1, max = 3) int hs,
                                     @ForAll boolean dropout) {
        INDArray qkv = TestArrays.randn(40, b, t, 3L * nh * hs);
        double p = dropout ? 0.25 : 0.0;
        assertGradient(ts -> Tensor.causalSelfAttention(ts.get(0), nh, p, new Rng(4), true), qkv);
    }

    /** The packed op against split, reshape, permute, composite attention, permute, reshape. */
    static Tensor packedComposite(Tensor qkv, int nh, double p, Rng rng) {
        long b = qkv.size(0), t = qkv.size(1), c = qkv.size(2) / 3, hs = c / nh;
        List<Tensor> parts = qkv.split(2, 3);
        Tensor q = parts.get(0).reshape(b, t, nh, hs).permute(0, 2, 1, 3);
        Tensor k = parts.get(1).reshape(b, t, nh, hs).permute(0, 2, 1, 3);
        Tensor v = parts.get(2).reshape(b, t, nh, hs).permute(0, 2, 1, 3);
        return attentionComposite(q, k, v, p, rng, true).permute(0, 2, 1, 3).reshape(b, t, c);
    }

    @Test
    void attentionNd4jFallbackPathAlsoChecks() {
        INDArray qkv = TestArrays.randn(42, 2, 5, 3 * 6);
        Kernels.force(false);
        try {
            assertGradient(ts -> Tensor.causalSelfAttention(ts.get(0), 2, 0.2, new Rng(4), true), qkv);
            check3(ts -> Tensor.causalSelfAttention(ts.get(0), 2, 0.0, new Rng(8), true),
                    ts -> packedComposite(ts.get(0), 2, 0.0, new Rng(8)), qkv);
        } finally {
            Kernels.force(null);
        }
    }

    @Test
    void packedAttentionAgreesWithItsComposite() {
        for (double p : new double[] {0.0, 0.3}) {
            check3(ts -> Tensor.causalSelfAttention(ts.get(0), 4, p, new Rng(8), true),
                    ts -> packedComposite(ts.get(0), 4, p, new Rng(8)), TestArrays.randn(41, 2, 9, 3 * 16));
        }
    }

    @Property(tries = 10)
    void javaAttentionPathAgreesWithTheNd4jPath(@ForAll @IntRange(min = 1, max = 3) int b, @ForAll @IntRange(min = 1, max = 3) int nh,
                                                 @ForAll @IntRange(min = 1, max = 70) int t, @ForAll @IntRange(min = 1, max = 9) int hs,
                                                 @ForAll boolean eval) {
        // FLOAT: the Java path (head split and merge, softmax) against ND4J's ops; without dropout (none, or eval mode)
        kernelAgainstNd4j(TestArrays.randn(43, b, t, 3L * nh * hs), nh, eval ? 0.3 : 0.0, !eval);
    }

    @Test
    void javaAttentionPathSplitOverThreadsAgreesWithTheNd4jPath() {
        // 16 heads of 64 x 64 x 32 (4 sequences x 4 heads): the head copies and the softmax rows are cut into
        // pieces for Quill's threads, which only happens with more than one
        assumeTrue(Parallel.threads() > 1, "needs two or more Quill threads (quill.threads, or cores)");
        kernelAgainstNd4j(TestArrays.randn(44, 4, 64, 3 * 4 * 32), 4, 0.0, true);
    }

    @Property(tries = 12)
    void vectorAttentionAgreesWithThePlainJavaPath(@ForAll @IntRange(min = 1, max = 2) int b, @ForAll @IntRange(min = 1, max = 3) int nh,
                                                   @ForAll @IntRange(min = 1, max = 70) int t, @ForAll @IntRange(min = 1, max = 40) int hs,
                                                   @ForAll boolean dropout) {
        // odd and even T and hs, below and above one and two vectors (8 or 16 lanes): the padding, the blocks of 4
        // rows and the pairs after them, the last odd vector of a row
        assertThat(Kernels.vector()).as("surefire's argLine adds jdk.incubator.vector, so this runs the Vector API path").isTrue();
        INDArray qkv = TestArrays.randn(45, b, t, 3L * nh * hs);
        double p = dropout ? 0.3 : 0.0;  // the same Rng seed: the same mask on both paths
        List<Tensor> a = leaves(new INDArray[] {qkv});
        Tensor ya = Tensor.causalSelfAttention(a.get(0), nh, p, new Rng(10), true);
        INDArray seed = TestArrays.randn(98, ya.shape()).castTo(DataType.FLOAT);
        ya.backward(seed);
        List<Tensor> n = leaves(new INDArray[] {qkv});
        Kernels.forceVector(false);
        try {
            Tensor yn = Tensor.causalSelfAttention(n.get(0), nh, p, new Rng(10), true);
            yn.backward(seed);
            assertClose(ya, yn, a, n);
        } finally {
            Kernels.forceVector(null);
        }
    }

    private static void kernelAgainstNd4j(INDArray qkv, int nh, double p, boolean training) {
        javaAgainstNd4j(ts -> Tensor.causalSelfAttention(ts.get(0), nh, p, new Rng(9), training), qkv);
    }

    /**
     * Runs f in FLOAT twice on the same inputs and upstream gradient: once on the Java kernels, once with the
     * ND4J path forced through its forward and its backward (the kernels choose their path when they run, so
     * the force must cover the backward too); compares the outputs and every input gradient.
     */
    private static void javaAgainstNd4j(Function<List<Tensor>, Tensor> f, INDArray... doubles) {
        againstForcedOff(Kernels::force, f, doubles);
    }

    /** f as it runs, then with {@code force} given false for its forward and backward (null after); compared. */
    private static void againstForcedOff(Consumer<Boolean> force, Function<List<Tensor>, Tensor> f, INDArray... doubles) {
        List<Tensor> a = leaves(doubles);
        Tensor ya = f.apply(a);
        INDArray seed = TestArrays.randn(99, ya.shape()).castTo(DataType.FLOAT);
        ya.backward(seed);
        List<Tensor> n = leaves(doubles);
        Tensor yn;
        force.accept(false);
        try {
            yn = f.apply(n);
            yn.backward(seed);
        } finally {
            force.accept(null);
        }
        assertClose(ya, yn, a, n);
    }

    @Test
    void fusedAndCompositeAgreeInFloatValuesAndGradients() {
        check3(ts -> ts.get(0).layerNorm(ts.get(1), ts.get(2), 1e-5),
                ts -> layerNormComposite(ts.get(0), ts.get(1), ts.get(2), 1e-5),
                TestArrays.randn(10, 2, 5, 16), TestArrays.randn(11, 16), TestArrays.randn(12, 16));
        check3(ts -> ts.get(0).rmsNorm(ts.get(1), null, 1e-5),
                ts -> rmsNormComposite(ts.get(0), ts.get(1), null, 1e-5),
                TestArrays.randn(13, 2, 5, 16), TestArrays.randn(14, 16));
        for (double p : new double[] {0.0, 0.2}) {
            check3(ts -> Tensor.attention(ts.get(0), ts.get(1), ts.get(2), p, new Rng(5), true),
                    ts -> attentionComposite(ts.get(0), ts.get(1), ts.get(2), p, new Rng(5), true),
                    TestArrays.randn(15, 2, 3, 7, 4), TestArrays.randn(16, 2, 3, 7, 4), TestArrays.randn(17, 2, 3, 7, 4));
        }
    }

    /** Runs both versions in FLOAT on the same inputs and upstream gradient; compares outputs and input gradients. */
    private static void check3(Function<List<Tensor>, Tensor> fused, Function<List<Tensor>, Tensor> composite, INDArray... doubles) {
        List<Tensor> a = leaves(doubles);
        List<Tensor> b = leaves(doubles);
        Tensor ya = fused.apply(a);
        Tensor yb = composite.apply(b);
        INDArray seed = TestArrays.randn(99, ya.shape()).castTo(DataType.FLOAT);
        ya.backward(seed);
        yb.backward(seed);
        assertClose(ya, yb, a, b);
    }

    private static void assertClose(Tensor ya, Tensor yb, List<Tensor> a, List<Tensor> b) {
        assertThat(maxAbs(ya.value(), yb.value())).isLessThan(1e-5);
        for (int i = 0; i < a.size(); i++) {
            assertThat(maxAbs(a.get(i).grad(), b.get(i).grad())).as("gradient of input %d", i).isLessThan(1e-4);
        }
    }

    private static List<Tensor> leaves(INDArray[] doubles) {
        return java.util.Arrays.stream(doubles).map(d -> Tensor.leaf(d.castTo(DataType.FLOAT))).toList();
    }

    private static double maxAbs(INDArray x, INDArray y) {
        return x.sub(y).amaxNumber().doubleValue();
    }

    @Property(tries = 6)
    void normKernelsAndNd4jPathAgreeAndBothPassTheGradientCheck(@ForAll @IntRange(min = 1, max = 3) int rows,
                                                              @ForAll @IntRange(min = 1, max = 9) int c, @ForAll boolean rms) {
        INDArray x = TestArrays.randn(50, 2, rows, c).muli(1.5).addi(0.3);
        INDArray g = TestArrays.randn(51, c);
        INDArray b = TestArrays.randn(52, c);
        Function<List<Tensor>, Tensor> f = ts -> rms ? ts.get(0).rmsNorm(ts.get(1), ts.get(2), 1e-5)
                : ts.get(0).layerNorm(ts.get(1), ts.get(2), 1e-5);
        Kernels.force(false);
        try {
            assertGradient(f, x, g, b); // the ND4J path, forced
        } finally {
            Kernels.force(null);
        }
        assertGradient(f, x, g, b);     // the Java kernel
        javaAgainstNd4j(f, x, g, b);    // the two paths on the same inputs: values and every gradient
    }

    @Property(tries = 8)
    void layerNormRowSumsAgreeWithAndWithoutTheVectorApi(@ForAll @IntRange(min = 1, max = 3) int rows,
                                                         @ForAll @IntRange(min = 1, max = 70) int c) {
        // rows shorter and longer than two vectors, with and without a tail: VectorSums against the double sums
        INDArray x = TestArrays.randn(53, 2, rows, c).muli(1.5).addi(0.3);
        vectorAgainstLoops(ts -> ts.get(0).layerNorm(ts.get(1), ts.get(2), 1e-5), x, TestArrays.randn(54, c),
                TestArrays.randn(55, c));
    }

    @Property(tries = 8)
    void crossEntropyRowsAgreeWithAndWithoutTheVectorApi(@ForAll @IntRange(min = 1, max = 40) int rows,
                                                         @ForAll @IntRange(min = 1, max = 100) int vocab) {
        // vocabularies below, at and past whole vectors: VectorSoftmax against FastMath's loop
        INDArray targets = TestArrays.ints(57, vocab, rows);
        targets.putScalar(0, -1);
        vectorAgainstLoops(ts -> ts.get(0).crossEntropy(targets, -1), TestArrays.randn(56, rows, vocab).muli(4.0));
    }

    @Test
    void crossEntropyOverGpt2sVocabularyAgreesWithAndWithoutTheVectorApi() {
        // 50,257 logits a row: the lane sums run in stretches, each added into a double
        INDArray targets = TestArrays.ints(59, 50257, 3);
        vectorAgainstLoops(ts -> ts.get(0).crossEntropy(targets, -1), TestArrays.randn(58, 3, 50257).muli(4.0));
    }

    /** f in FLOAT on the Java kernels, with the Vector API and without, on the same inputs and upstream gradient. */
    private static void vectorAgainstLoops(Function<List<Tensor>, Tensor> f, INDArray... doubles) {
        againstForcedOff(Kernels::forceVector, f, doubles);
    }

    @Test
    void geluKernelAgreesWithThePlainPathInBothForms() {
        // 6,000 FLOAT elements over about [-12, 12]: two whole scratch chunks and a partial one, both erf clamps;
        // the exact form runs the rational erf, the tanh form the Java loops around ND4J's tanh
        INDArray x = TestArrays.randn(70, 3, 2000).muli(3);
        javaAgainstNd4j(ts -> ts.get(0).gelu(), x);
        javaAgainstNd4j(ts -> ts.get(0).geluTanh(), x);
    }

    @Test
    void crossEntropyJavaPathAgreesWithTheNd4jPathAndChecksOnBoth() {
        // 1,100 rows of 65: more than one piece (at least PIECE_ELEMENTS / 65 = 252 rows each); two targets ignored
        INDArray logits = TestArrays.randn(60, 1100, 65).muli(4.0);
        INDArray targets = TestArrays.ints(61, 65, 1100);
        targets.putScalar(0, -1);
        targets.putScalar(757, -1);
        javaAgainstNd4j(ts -> ts.get(0).crossEntropy(targets, -1), logits);
        // rows longer than a scratch chunk, 64 of them in pieces of at least 5
        INDArray wideTargets = TestArrays.ints(67, 3000, 64);
        javaAgainstNd4j(ts -> ts.get(0).crossEntropy(wideTargets, -1), TestArrays.randn(66, 64, 3000).muli(4.0));
        INDArray small = TestArrays.randn(62, 3, 4, 7);
        INDArray smallTargets = Nd4j.createFromArray(new int[][] {{0, 6, -1, 3}, {2, 2, 5, -1}, {1, 0, 4, 6}});
        assertGradient(ts -> ts.get(0).crossEntropy(smallTargets, -1), small); // Java path, DOUBLE
        Kernels.force(false);
        try {
            assertGradient(ts -> ts.get(0).crossEntropy(smallTargets, -1), small);
        } finally {
            Kernels.force(null);
        }
    }

    @Test
    void crossEntropyGivesIgnoredRowsZeroGradientAndAnEmptyBatchLossZero() {
        // an ignored row of NaN logits: it counts for nothing, and its gradient is 0, not NaN
        INDArray logits = TestArrays.randn(68, 3, 5).castTo(DataType.FLOAT);
        logits.getRow(1).assign(Double.NaN);
        Tensor x = Tensor.leaf(logits);
        Tensor loss = x.crossEntropy(Nd4j.createFromArray(2, -1, 4), -1);
        assertThat(loss.item()).isFinite();
        loss.backward();
        assertThat(x.grad().getRow(1).data().asFloat()).containsOnly(0f);
        assertThat(x.grad().getRow(0).sumNumber().doubleValue()).isCloseTo(0.0, within(1e-6)); // softmax - onehot sums to 0
        // no rows at all
        Tensor empty = Tensor.leaf(Nd4j.create(DataType.FLOAT, 0, 5));
        Tensor none = empty.crossEntropy(Nd4j.create(DataType.INT32, 0), -1);
        assertThat(none.item()).isZero();
        none.backward();
    }

    @Test
    void attentionNeverLooksAhead() {
        // changing the key and value of the last position must not change any earlier output
        INDArray q = TestArrays.randn(20, 1, 2, 5, 3);
        INDArray k = TestArrays.randn(21, 1, 2, 5, 3);
        INDArray v = TestArrays.randn(22, 1, 2, 5, 3);
        INDArray y1 = Tensor.attention(Tensor.of(q), Tensor.of(k), Tensor.of(v), 0, null, false).value();
        INDArray k2 = k.dup();
        INDArray v2 = v.dup();
        k2.get(NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.point(4), NDArrayIndex.all()).addi(5.0);
        v2.get(NDArrayIndex.all(), NDArrayIndex.all(),
                NDArrayIndex.point(4), NDArrayIndex.all()).addi(5.0);
        INDArray y2 = Tensor.attention(Tensor.of(q), Tensor.of(k2), Tensor.of(v2), 0, null, false).value();
        INDArray diff = y1.sub(y2);
        for (int t = 0; t < 4; t++) {
            assertThat(diff.get(NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.point(t), NDArrayIndex.all())
                    .amaxNumber().doubleValue()).isZero();
        }
        assertThat(diff.amaxNumber().doubleValue()).isPositive(); // the last position did change
    }
}
