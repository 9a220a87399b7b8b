package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The single-token decoder's own kernels; its logits against the general path are in {@link KvCacheTest}. */
class RowDecoderTest {

    @Test
    void erfIsWithinItsStatedErrorOfTabulatedValues() {
        // erf at a few points, to 16 digits (values of the function, not of this code)
        double[][] table = {
            {0.0, 0.0}, {0.1, 0.1124629160182849}, {0.5, 0.5204998778130465}, {1.0, 0.8427007929497149},
            {1.5, 0.9661051464753108}, {2.0, 0.9953222650189527}, {3.0, 0.9999779095030014}, {6.0, 1.0},
        };
        for (double[] row : table) {
            assertThat(RowDecoder.erf(row[0])).as("erf(%s)", row[0]).isCloseTo(row[1], org.assertj.core.data.Offset.offset(1.5e-7));
            assertThat(RowDecoder.erf(-row[0])).as("erf(-%s)", row[0]).isCloseTo(-row[1], org.assertj.core.data.Offset.offset(1.5e-7));
        }
    }

    @Test
    void linearEqualsThePlainDoubleLoop() {
        var rng = new dev.quill.autograd.Rng(3);
        for (int[] shape : new int[][] {{7, 5}, {8, 12}, {1, 3}, {13, 1}}) {
            int in = shape[0], out = shape[1];
            float[] wt = new float[in * out], b = new float[out], x = new float[in], y = new float[out];
            for (int i = 0; i < wt.length; i++) {
                wt[i] = (float) rng.nextGaussian();
            }
            for (int i = 0; i < in; i++) {
                x[i] = (float) rng.nextGaussian();
            }
            for (int o = 0; o < out; o++) {
                b[o] = (float) rng.nextGaussian();
            }
            RowDecoder.linear(wt, b, x, in, out, y);
            for (int o = 0; o < out; o++) {
                double s = b[o];
                for (int i = 0; i < in; i++) {
                    s += (double) x[i] * wt[i * out + o];
                }
                assertThat((double) y[o]).as("%dx%d out %d", in, out, o).isCloseTo(s, org.assertj.core.data.Offset.offset(1e-5));
            }
            RowDecoder.linear(wt, null, x, in, out, y);
            double s0 = 0;
            for (int i = 0; i < in; i++) {
                s0 += (double) x[i] * wt[i * out];
            }
            assertThat((double) y[0]).isCloseTo(s0, org.assertj.core.data.Offset.offset(1e-5));
        }
    }
}
