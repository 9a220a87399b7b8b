package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The float kernels of {@link FastMath} against exact values, and the float GELU op against the double one, on
 * FastMath's loops and on the Vector API's ({@code VectorGelu}).
 */
class FastMathTest {

    @Test
    void erfMatchesTabulatedValues() {
        // erf from tables (Abramowitz and Stegun, table 7.1, extended precision)
        double[][] known = {{0, 0}, {0.1, 0.1124629160182849}, {0.5, 0.5204998778130465}, {1, 0.8427007929497149},
            {1.5, 0.9661051464753108}, {2, 0.9953222650189527}, {3, 0.9999779095030014}, {5, 1}};
        for (double[] k : known) {
            assertThat((double) FastMath.erf((float) k[0])).as("erf(%s)", k[0]).isCloseTo(k[1], org.assertj.core.data.Offset.offset(5e-7));
            assertThat((double) FastMath.erf((float) -k[0])).as("erf(-%s)", k[0]).isCloseTo(-k[1], org.assertj.core.data.Offset.offset(5e-7));
        }
    }

    @Test
    void erfIsWithinItsStatedErrorEverywhere() {
        // a dense sweep of [-6, 6] against ND4J's double erf
        int n = 120_001;
        INDArray u = Nd4j.linspace(-6.0, 6.0, n, DataType.DOUBLE);
        double[] exact = Nd4j.exec(new Erf(u.dup())).toDoubleVector();
        double[] us = u.toDoubleVector();
        double worst = 0;
        for (int i = 0; i < n; i++) {
            worst = Math.max(worst, Math.abs(FastMath.erf((float) us[i]) - exact[i]));
        }
        assertThat(worst).isLessThan(5e-7).isGreaterThan(0); // > 0: the formula is an approximation, not ND4J's erf
    }

    @Test
    void expIsWithinItsStatedRelativeErrorOverTheFloatRange() {
        // every 1/1000 over [-87.3, 88] against the double exp of the same float input
        double worst = 0;
        for (int i = -87_330; i <= 88_000; i++) {
            float x = i / 1000f;
            double exact = Math.exp(x);
            worst = Math.max(worst, Math.abs(FastMath.exp(x) - exact) / exact);
        }
        assertThat(worst).isLessThan(2.5e-7);
        assertThat(FastMath.exp(0f)).isEqualTo(1f);
        assertThat(FastMath.exp(-200f)).isEqualTo(0f);                     // would be subnormal or 0: 0
        assertThat(FastMath.exp(Float.NEGATIVE_INFINITY)).isEqualTo(0f);  // a masked score
        assertThat((double) FastMath.exp(88.5f)).isCloseTo(Math.exp(88.5), Percentage.withPercentage(1e-4));
    }

    @Test
    void expAtTheEdgesOfTheFloatRange() {
        assertThat(FastMath.exp(Float.NaN)).isNaN();
        assertThat(FastMath.exp(Float.POSITIVE_INFINITY)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(FastMath.exp(88.73f)).isEqualTo(Float.POSITIVE_INFINITY);   // e^88.73 > Float.MAX_VALUE (e^88.7228)
        // the last band above the cut, where 2^n is the smallest normal float and e^r may take it below:
        // every float in [-87.33654, -87.33] keeps the stated error
        double worst = 0;
        for (float x = -87.33654f; x <= -87.33f; x = Math.nextUp(x)) {
            double exact = Math.exp(x);
            worst = Math.max(worst, Math.abs(FastMath.exp(x) - exact) / exact);
        }
        assertThat(worst).isLessThan(2.5e-7);
        assertThat(FastMath.exp(Math.nextDown(-87.33654f))).isZero();            // below the cut: 0, not a subnormal
    }

    @ParameterizedTest(name = "vector API {0}")
    @ValueSource(booleans = {false, true})
    void floatGeluAndItsGradientMatchTheExactDoubleOp(boolean vector) {
        onPath(vector, FastMathTest::geluAgainstDouble);
    }

    /** Runs a check with the Vector API kernels forced on or off. */
    private static void onPath(boolean vector, Runnable check) {
        Kernels.forceVector(vector);
        try {
            check.run();
        } finally {
            Kernels.forceVector(null);
        }
    }

    private static void geluAgainstDouble() {
        // 5,000 elements: more than two chunks, the last one partial; values over [-8, 8] reach both clamps
        INDArray x64 = TestArrays.randn(41, 5000).muli(3);
        INDArray dy64 = TestArrays.randn(42, 5000);
        Tensor xd = Tensor.leaf(x64);
        Tensor yd = xd.gelu();
        yd.backward(dy64);
        Tensor xf = Tensor.leaf(x64.castTo(DataType.FLOAT));
        Tensor yf = xf.gelu();
        yf.backward(dy64.castTo(DataType.FLOAT));
        double[] x = x64.toDoubleVector();
        double[] y = yd.value().toDoubleVector(), yFast = yf.value().toDoubleVector();
        double[] g = xd.grad().toDoubleVector(), gFast = xf.grad().toDoubleVector();
        double[] dy = dy64.toDoubleVector();
        for (int i = 0; i < x.length; i++) {
            // float storage alone gives relative 6e-8; the erf formula adds up to 4.2e-7 * |x| / 2
            assertThat(yFast[i]).as("gelu(%s)", x[i]).isCloseTo(y[i], org.assertj.core.data.Offset.offset(3e-7 * (1 + Math.abs(x[i]))));
            assertThat(gFast[i]).as("gelu'(%s)", x[i]).isCloseTo(g[i], org.assertj.core.data.Offset.offset(5e-7 * (1 + Math.abs(x[i])) * (1 + Math.abs(dy[i]))));
        }
    }

    @Test
    void tanhIsWithinItsStatedErrorEverywhere() {
        // a dense sweep of [-12, 12] against Math.tanh, past the clamp at 9
        double worst = 0;
        for (int i = -1_200_000; i <= 1_200_000; i++) {
            float u = i / 100_000f;
            worst = Math.max(worst, Math.abs(FastMath.tanh(u) - Math.tanh(u)));
        }
        assertThat(worst).isLessThan(5.2e-7).isGreaterThan(0);
        assertThat(FastMath.tanh(0f)).isEqualTo(0f);
        assertThat(FastMath.tanh(-3f)).isEqualTo(-FastMath.tanh(3f));                 // odd by construction
    }

    @ParameterizedTest(name = "vector API {0}")
    @ValueSource(booleans = {false, true})
    void floatTanhGeluAndItsGradientMatchTheExactDoubleOp(boolean vector) {
        onPath(vector, FastMathTest::tanhGeluAgainstDouble);
    }

    private static void tanhGeluAgainstDouble() {
        // the tanh form (GPT-2's): float kernel with the rational tanh against the double op (ND4J's tanh)
        INDArray x64 = TestArrays.randn(43, 5000).muli(3);
        INDArray dy64 = TestArrays.randn(44, 5000);
        Tensor xd = Tensor.leaf(x64);
        Tensor yd = xd.geluTanh();
        yd.backward(dy64);
        Tensor xf = Tensor.leaf(x64.castTo(DataType.FLOAT));
        Tensor yf = xf.geluTanh();
        yf.backward(dy64.castTo(DataType.FLOAT));
        double[] x = x64.toDoubleVector(), dy = dy64.toDoubleVector();
        double[] y = yd.value().toDoubleVector(), yFast = yf.value().toDoubleVector();
        double[] g = xd.grad().toDoubleVector(), gFast = xf.grad().toDoubleVector();
        for (int i = 0; i < x.length; i++) {
            // the tanh formula's 5.1e-7 times |x| / 2, float storage, and u's rounding (|u| up to ~30 here)
            assertThat(yFast[i]).as("gelu_tanh(%s)", x[i]).isCloseTo(y[i], org.assertj.core.data.Offset.offset(4e-7 * (1 + Math.abs(x[i]))));
            assertThat(gFast[i]).as("gelu_tanh'(%s)", x[i]).isCloseTo(g[i], org.assertj.core.data.Offset.offset(8e-7 * (1 + x[i] * x[i]) * (1 + Math.abs(dy[i]))));
        }
    }
}
