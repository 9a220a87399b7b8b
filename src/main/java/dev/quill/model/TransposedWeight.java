package dev.quill.model;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A weight W (out, in) copied into Java arrays transposed, one array per input, {@code wt[i]} of length out,
 * so that {@code y = x W^T} runs as {@code y += x[i] * wt[i]}: every array in that inner loop is indexed by
 * the loop variable alone, the form HotSpot's C2 turns into vector instructions (with the rows at offsets
 * {@code i * out} of one flat array it did not, in JDK 17 or 25: ~5 against ~20 GFLOP/s). A copy costs the
 * weight's bytes again, so only small models take this form ({@link RowDecoder#MAX_PARAMETERS}); it pays
 * when a call feeds many positions, since each four weight rows serve every position before the next four.
 */
final class TransposedWeight implements RowWeight {

    private final float[][] wt;   // (in, out)

    /** @param w the weight (out, in); copied */
    TransposedWeight(INDArray w) {
        int out = (int) w.size(0);
        int in = (int) w.size(1);
        float[] t = w.transpose().dup('c').data().asFloat();           // (in, out), transposed by ND4J
        this.wt = new float[in][];
        for (int i = 0; i < in; i++) {
            wt[i] = Arrays.copyOfRange(t, i * out, (i + 1) * out);
        }
    }

    @Override
    public int rows() {
        return wt[0].length;
    }

    @Override
    public int cols() {
        return wt.length;
    }

    @Override
    public void row(int o, float[] dst) {
        for (int i = 0; i < wt.length; i++) {
            dst[i] = wt[i][o];
        }
    }

    /**
     * y[r] = b + sum_i x[r][i] wt[i]. Four weight rows per pass over each output row, so y is read and
     * written a quarter as often, and the four rows serve every position before the next four are read.
     */
    @Override
    public void apply(float[][] x, int t, float[] b, float[][] y) {
        int nIn = wt.length;
        int nOut = wt[0].length;
        for (int r = 0; r < t; r++) {
            if (b == null) {
                Arrays.fill(y[r], 0, nOut, 0f);
            } else {
                System.arraycopy(b, 0, y[r], 0, nOut);
            }
        }
        int i = 0;
        for (; i + 3 < nIn; i += 4) {
            float[] w0 = wt[i], w1 = wt[i + 1], w2 = wt[i + 2], w3 = wt[i + 3];
            for (int r = 0; r < t; r++) {
                float[] xr = x[r];
                float[] yr = y[r];
                float x0 = xr[i], x1 = xr[i + 1], x2 = xr[i + 2], x3 = xr[i + 3];
                for (int o = 0; o < nOut; o++) {
                    yr[o] += x0 * w0[o] + x1 * w1[o] + x2 * w2[o] + x3 * w3[o];
                }
            }
        }
        for (; i < nIn; i++) {
            float[] wi = wt[i];
            for (int r = 0; r < t; r++) {
                float xi = x[r][i];
                float[] yr = y[r];
                for (int o = 0; o < nOut; o++) {
                    yr[o] += xi * wi[o];
                }
            }
        }
    }
}
