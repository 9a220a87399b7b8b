package dev.quill.autograd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link CrossEntropyKernel}'s softmax row with the JDK's Vector API, where {@link Kernels#vector} allows:
 * <pre>
 *   max = max_j x[j];  e[j] = exp(x[j] - max);  sum = sum_j e[j];  p[j] = e[j] / sum
 *   loss = log(sum) + max - x[t]
 * </pre>
 * The exp is {@link VectorAttention#exp} (FastMath.exp's formula in lanes), for every whole vector of the row;
 * elements past the last one take {@link FastMath#exp}. The sum runs in float lanes over stretches of
 * {@value #STRETCH} vectors, each stretch's lanes then added in lane order into a double, so a long row (GPT-2's
 * 50,257 logits) adds few floats in float, and the bits do not depend on whether the JIT has compiled it.
 */
final class VectorSoftmax {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final int STRETCH = 64;

    private VectorSoftmax() {
    }

    /**
     * One float row x (v) becomes its softmax, in place.
     *
     * @param lanes scratch of at least one vector's floats
     * @return the row's loss for target t, or 0 when t is ignoreIndex
     */
    static double softmaxRow(float[] x, int v, int t, int ignoreIndex, float[] lanes) {
        int whole = v - v % L;
        FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < whole; j += L) {
            mv = mv.max(FloatVector.fromArray(F, x, j));
        }
        mv.intoArray(lanes, 0);
        float max = Float.NEGATIVE_INFINITY;
        for (int k = 0; k < L; k++) {
            max = Math.max(max, lanes[k]);
        }
        for (int j = whole; j < v; j++) {
            max = Math.max(max, x[j]);
        }
        double xt = t == ignoreIndex ? 0.0 : x[t];
        double sum = 0;
        for (int start = 0; start < whole; start += STRETCH * L) {
            int end = Math.min(whole, start + STRETCH * L);
            FloatVector s = FloatVector.zero(F);
            for (int j = start; j < end; j += L) {
                FloatVector e = VectorAttention.exp(FloatVector.fromArray(F, x, j).sub(max));
                e.intoArray(x, j);
                s = s.add(e);
            }
            s.intoArray(lanes, 0);
            for (int k = 0; k < L; k++) {
                sum += lanes[k];
            }
        }
        for (int j = whole; j < v; j++) {
            float e = FastMath.exp(x[j] - max);
            x[j] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < whole; j += L) {
            FloatVector.fromArray(F, x, j).mul(inv).intoArray(x, j);
        }
        for (int j = whole; j < v; j++) {
            x[j] *= inv;
        }
        return t == ignoreIndex ? 0.0 : Math.log(sum) + max - xt;
    }
}
