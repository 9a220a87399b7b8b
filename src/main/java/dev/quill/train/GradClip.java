package dev.quill.train;

import dev.quill.autograd.Kernels;
import dev.quill.autograd.Parallel;
import dev.quill.autograd.Sums;
import dev.quill.autograd.Tensor;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Gradient clipping by global norm (Pascanu et al., 2013): the norm of all gradients together,
 * ||g|| = sqrt(sum over parameters of sum(g^2)); if it exceeds {@code max}, every gradient is scaled by
 * max / (||g|| + 1e-6), the same rule as torch.nn.utils.clip_grad_norm_.
 */
public final class GradClip {

    private GradClip() {
    }

    /**
     * @param params the parameters
     * @return the global L2 norm of their gradients (missing gradients count as 0), in double
     */
    public static double globalNorm(Collection<Tensor> params) {
        double[] sq = {0};
        List<FloatBuffer> floats = javaFloats(params, g -> {
            double n = g.norm2Number().doubleValue();
            sq[0] += n * n;
        });
        // each block's sum in its own slot, the slots added in order: the same result for any thread count
        List<int[]> blocks = blocks(floats);
        double[] sums = new double[blocks.size()];
        forEachBlock(floats, blocks, (i, b, from, to, chunk) -> sums[i] = sumOfSquares(b, from, to, chunk));
        for (double v : sums) {
            sq[0] += v;
        }
        return Math.sqrt(sq[0]);
    }

    /**
     * The gradients that the Java loops read and write in place (plain FLOAT on the CPU) as buffers of their
     * length; every other gradient goes to {@code rest} (missing ones are skipped).
     */
    private static List<FloatBuffer> javaFloats(Collection<Tensor> params, Consumer<INDArray> rest) {
        List<FloatBuffer> floats = new ArrayList<>();
        for (Tensor p : params) {
            INDArray g = p.grad();
            if (g == null) {
                continue;
            }
            if (Kernels.java() && Kernels.plain(g) && g.dataType() == DataType.FLOAT) {
                floats.add(g.data().asNioFloat().limit((int) g.length()));  // no native call per parameter
            } else {
                rest.accept(g);
            }
        }
        return floats;
    }

    private static final int BLOCK = 1 << 16;

    /** The buffers cut into blocks of up to {@value #BLOCK} elements: {buffer, from, to} each. */
    private static List<int[]> blocks(List<FloatBuffer> floats) {
        List<int[]> blocks = new ArrayList<>();
        for (int b = 0; b < floats.size(); b++) {
            int n = floats.get(b).limit();
            for (int from = 0; from < n; from += BLOCK) {
                blocks.add(new int[] {b, from, Math.min(n, from + BLOCK)});
            }
        }
        return blocks;
    }

    /** Work on elements [from, to) of one buffer, block number i, with a scratch array of {@value #CHUNK}. */
    @FunctionalInterface
    private interface BlockBody {
        void run(int i, FloatBuffer b, int from, int to, float[] chunk);
    }

    /** Runs body on every block (from {@link #blocks}), the blocks shared among Quill's threads. */
    private static void forEachBlock(List<FloatBuffer> floats, List<int[]> blocks, BlockBody body) {
        Parallel.range(blocks.size(), 1, 1, (lo, hi) -> {
            float[] chunk = new float[CHUNK];
            for (int i = lo; i < hi; i++) {
                int[] k = blocks.get(i);
                body.run(i, floats.get(k[0]), k[1], k[2], chunk);
            }
        });
    }

    private static final int CHUNK = 4096;

    /** sum of b[i]^2 over [start, end): the floats come over in bulk, a chunk at a time, into {@link Sums#ofSquares}. */
    private static double sumOfSquares(FloatBuffer b, int start, int end, float[] chunk) {
        double s = 0;
        for (int from = start; from < end; from += chunk.length) {
            int m = Math.min(chunk.length, end - from);
            b.get(from, chunk, 0, m);
            s += Sums.ofSquares(chunk, m);
        }
        return s;
    }

    /**
     * Scales the gradients so their global norm is at most {@code max}. A non-finite norm is left alone,
     * for the trainer to count as a bad step.
     *
     * @param params the parameters
     * @param max    the largest norm allowed; 0 turns clipping off
     * @return the norm before clipping
     */
    public static double clip(Collection<Tensor> params, double max) {
        double norm = globalNorm(params);
        if (max > 0 && norm > max && Double.isFinite(norm)) {
            double factor = max / (norm + 1e-6);
            float scale = (float) factor;                            // what a FLOAT array's muli would use
            List<FloatBuffer> floats = javaFloats(params, g -> g.muli(factor));
            forEachBlock(floats, blocks(floats), (i, b, from, to, chunk) -> {
                for (int c = from; c < to; c += CHUNK) {
                    int m = Math.min(CHUNK, to - c);
                    b.get(c, chunk, 0, m);
                    for (int j = 0; j < m; j++) {
                        chunk[j] *= scale;
                    }
                    b.put(c, chunk, 0, m);
                }
            });
        }
        return norm;
    }
}
