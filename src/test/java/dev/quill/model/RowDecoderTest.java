package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The row decoder's own kernel; its logits against the general path are in {@link KvCacheTest}. */
class RowDecoderTest {

    @Test
    void linearEqualsThePlainDoubleLoop() {
        var rng = new dev.quill.autograd.Rng(3);
        // widths below, at and past the four-row step and the vector width; 1 to 3 rows
        for (int[] shape : new int[][] {{7, 5, 1}, {8, 12, 3}, {1, 3, 2}, {13, 1, 1}, {9, 37, 2}}) {
            int in = shape[0], out = shape[1], t = shape[2];
            float[][] wt = new float[in][out];
            float[][] x = new float[t][in];
            float[][] y = new float[t][out];
            float[] b = new float[out];
            for (float[] row : wt) {
                fill(row, rng);
            }
            for (float[] row : x) {
                fill(row, rng);
            }
            fill(b, rng);
            for (float[] bias : new float[][] {b, null}) {
                RowDecoder.linear(wt, bias, x, t, y);
                for (int r = 0; r < t; r++) {
                    for (int o = 0; o < out; o++) {
                        double s = bias == null ? 0 : bias[o];
                        for (int i = 0; i < in; i++) {
                            s += (double) x[r][i] * wt[i][o];
                        }
                        assertThat((double) y[r][o]).as("%dx%d row %d out %d", in, out, r, o)
                                .isCloseTo(s, org.assertj.core.data.Offset.offset(1e-5));
                    }
                }
            }
        }
    }

    private static void fill(float[] a, dev.quill.autograd.Rng rng) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rng.nextGaussian();
        }
    }
}
