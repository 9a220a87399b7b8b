package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.quill.autograd.Kernels;
import dev.quill.autograd.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The decoder's three weight forms against a plain double loop, and the int8 quantizer by hand math. */
class RowWeightTest {

    // {in, out, positions}: widths below, at and past the four-row step and the vector widths (8 and 16
    // floats); 1 to 3 positions; the last two big enough to be cut over threads (out >= 2 * MIN_PIECE_MACS / in)
    private static final int[][] SHAPES = {{7, 5, 1}, {8, 12, 3}, {1, 3, 2}, {13, 1, 1}, {9, 37, 2}, {48, 6, 2}, {67, 70, 3},
        {64, 1100, 1}, {64, 1031, 3}};

    // "fast": OpenBLAS for F32 rows, the Vector API for int8; "loops": the same without the Vector API;
    // "plain": -Dquill.kernels=nd4j, every form in plain Java loops
    @ParameterizedTest
    @ValueSource(strings = {"fast", "loops", "plain"})
    void everyFormEqualsThePlainDoubleLoop(String kernels) {
        Kernels.forceVector(!"loops".equals(kernels));
        Kernels.force("plain".equals(kernels) ? false : null);
        try {
            Rng rng = new Rng(3);
            for (int[] shape : SHAPES) {
                int in = shape[0], out = shape[1], t = shape[2];
                float[] w = gaussian(out * in, rng);                                   // (out, in)
                float[][] x = new float[t][];
                for (int r = 0; r < t; r++) {
                    x[r] = gaussian(in, rng);
                }
                float[] b = gaussian(out, rng);
                var nd = Nd4j.createFromArray(w).reshape(out, in);
                Int8Weight int8 = new Int8Weight(new StreamedWeight(nd));
                float[] deq = new float[out * in];                                      // s q, the int8 form's weights
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        deq[o * in + i] = int8.scale(o) * int8.value(o, i);
                    }
                }
                for (float[] bias : new float[][] {b, null}) {
                    check(new TransposedWeight(nd), w, x, t, bias, "transposed " + in + "x" + out);
                    check(new StreamedWeight(nd), w, x, t, bias, "streamed " + in + "x" + out);
                    check(int8, deq, x, t, bias, "int8 " + in + "x" + out);
                }
            }
        } finally {
            Kernels.forceVector(null);
            Kernels.force(null);
        }
    }

    @Test
    void quantizeRowByHand() {
        // absmax 1.27 -> s = 0.01; 0.5 / 0.01 = 50, -1.27 -> -127, 0.004 -> 0 (rounds down), 1.0 -> 100,
        // 0.005 -> 0.5 rounds half up to 1, -0.006 -> -0.6 rounds to -1
        float[] w = {0.5f, -1.27f, 0.004f, 1.0f, 0.005f, -0.006f};
        byte[] q = new byte[w.length];
        float s = Int8Weight.quantizeRow(w, 0, w.length, q, 0);
        assertThat((double) s).isCloseTo(0.01, offset(1e-9));
        assertThat(q).containsExactly(50, -127, 0, 100, 1, -1);
        byte[] zeros = new byte[3];
        assertThat(Int8Weight.quantizeRow(new float[] {0f, -0f, 0f}, 0, 3, zeros, 0)).isZero();
        assertThat(zeros).containsOnly(0);
    }

    @Test
    void roundTripErrorIsAtMostHalfAStep() {
        // |w - s q| <= s / 2 with s = absmax / 127, and the largest magnitude comes back exactly (q = +-127)
        Rng rng = new Rng(11);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + trial % 97;
            float[] w = gaussian(n, rng);
            for (int i = 0; i < n; i++) {
                w[i] *= (float) Math.pow(10, trial % 7 - 3);                            // scales 1e-3 .. 1e3
            }
            byte[] q = new byte[n];
            float s = Int8Weight.quantizeRow(w, 0, n, q, 0);
            double max = 0;
            for (float v : w) {
                max = Math.max(max, Math.abs(v));
            }
            assertThat((double) s).isCloseTo(max / 127, offset(max * 1e-6));
            for (int i = 0; i < n; i++) {
                assertThat(Math.abs(w[i] - (double) s * q[i])).as("trial %d element %d", trial, i)
                        .isLessThanOrEqualTo(s / 2 * (1 + 1e-5));
                if (Math.abs(w[i]) == max) {
                    assertThat(Math.abs(q[i])).isEqualTo(127);
                }
            }
        }
    }

    /** y = b + x W^T in double, W (out, in) row-major, against the form's floats. */
    private static void check(RowWeight form, float[] w, float[][] x, int t, float[] bias, String what) {
        int out = form.rows();
        int in = form.cols();
        float[][] y = new float[t][out];
        form.apply(x, t, bias, y);
        float[] row = new float[in];
        for (int o = 0; o < out; o++) {
            form.row(o, row);
            for (int i = 0; i < in; i++) {
                assertThat(row[i]).as("%s row %d col %d", what, o, i).isEqualTo(w[o * in + i]);
            }
            for (int r = 0; r < t; r++) {
                double s = bias == null ? 0 : bias[o];
                for (int i = 0; i < in; i++) {
                    s += (double) x[r][i] * w[o * in + i];
                }
                assertThat((double) y[r][o]).as("%s position %d out %d", what, r, o).isCloseTo(s, offset(1e-4));
            }
        }
    }

    private static float[] gaussian(int n, Rng rng) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return a;
    }
}
