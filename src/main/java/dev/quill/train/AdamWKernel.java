package dev.quill.train;

import java.nio.FloatBuffer;

/**
 * AdamW's update of a FLOAT parameter's elements on the CPU, the loop of {@link AdamW#step} with the same math
 * as its plain path:
 * <pre>
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  w = w (1 - lr wd) - (lr / bc1) m / (sqrt(v) / bc2 + eps)
 * </pre>
 * A class of its own, without a logger, so that the start-up warm-up ({@link OptimizerRounds}) can run it
 * before logging is set up.
 */
final class AdamWKernel {

    private AdamWKernel() {
    }

    /** The update of elements [from, to) of one FLOAT parameter, in chunks copied into float arrays (they vectorize). */
    static void updateFloat(FloatBuffer w, FloatBuffer g, FloatBuffer m1, FloatBuffer m2, int from, int to,
                            float decay, float b1, float b2, float stepSize, float c2, float e) {
        float[][] buf = BUFFERS.get();
        float[] ws = buf[0], gs = buf[1], ms = buf[2], vs = buf[3];
        for (int s = from; s < to; s += CHUNK) {
            int len = Math.min(CHUNK, to - s);
            w.get(s, ws, 0, len);
            g.get(s, gs, 0, len);
            m1.get(s, ms, 0, len);
            m2.get(s, vs, 0, len);
            for (int i = 0; i < len; i++) {
                float gi = gs[i];
                float mi = b1 * ms[i] + (1 - b1) * gi;
                float vi = b2 * vs[i] + (1 - b2) * gi * gi;
                ms[i] = mi;
                vs[i] = vi;
                ws[i] = ws[i] * decay - stepSize * mi / ((float) Math.sqrt(vi) / c2 + e);
            }
            w.put(s, ws, 0, len);
            m1.put(s, ms, 0, len);
            m2.put(s, vs, 0, len);
        }
    }

    private static final int CHUNK = 2048;
    // per thread, made once: w, g, m, v chunks (no garbage per parameter per step)
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[4][CHUNK]);
}
