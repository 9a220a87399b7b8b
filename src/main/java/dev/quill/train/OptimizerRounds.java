package dev.quill.train;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * One round of the optimizer's Java loops on made-up data, for the kernels' start-up warm-up
 * ({@link dev.quill.autograd.Warmup#alsoRun}): AdamW's update of one block of a FLOAT parameter, and gradient
 * clipping's sum of squares and scaling. Without it, the first step runs these loops long enough for the
 * JIT to compile them twice (on-stack while they run, then whole) while the step waits. The buffers are
 * direct and in native order, as ND4J's are; the results are thrown away.
 */
public final class OptimizerRounds implements Runnable {

    private static final int N = 4096;   // elements a round: two of AdamW's chunks, one of clipping's

    private final FloatBuffer w = floats(0.31);
    private final FloatBuffer g = floats(0.17);
    private final FloatBuffer m = floats(0.0);
    private final FloatBuffer v = floats(0.0);
    private final float[] chunk = new float[GradClip.CHUNK];

    private static FloatBuffer floats(double step) {
        FloatBuffer b = ByteBuffer.allocateDirect(N * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < N; i++) {
            b.put(i, (float) Math.sin(step * i));
        }
        return b;
    }

    @Override
    public void run() {
        AdamWKernel.updateFloat(w, g, m, v, 0, N, 0.9999f, 0.9f, 0.99f, 1e-3f, 0.5f, 1e-8f);
        GradClip.sumOfSquares(g, 0, N, chunk);
        GradClip.scale(g, 0, N, 1f, chunk);   // by 1: the round changes nothing it reads next time
    }
}
