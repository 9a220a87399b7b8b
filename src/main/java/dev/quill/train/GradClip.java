package dev.quill.train;

import dev.quill.autograd.Kernels;
import dev.quill.autograd.Tensor;
import java.nio.FloatBuffer;
import java.util.Collection;
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
        double sq = 0;
        float[] chunk = null;
        for (Tensor p : params) {
            INDArray g = p.grad();
            if (g == null) {
                continue;
            }
            if (Kernels.java() && Kernels.plain(g) && g.dataType() == DataType.FLOAT) {
                if (chunk == null) {
                    chunk = new float[CHUNK];
                }
                sq += sumOfSquares(g.data().asNioFloat(), (int) g.length(), chunk); // no native call per parameter
            } else {
                double n = g.norm2Number().doubleValue();
                sq += n * n;
            }
        }
        return Math.sqrt(sq);
    }

    private static final int CHUNK = 4096;

    /**
     * sum of b[i]^2 in double. The floats come over in bulk, a chunk at a time, and four partial sums
     * let four additions run at once instead of each waiting for the last (the gain was too small to show
     * in a whole-step A/B; not measured alone).
     */
    private static double sumOfSquares(FloatBuffer b, int n, float[] chunk) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int from = 0; from < n; from += chunk.length) {
            int m = Math.min(chunk.length, n - from);
            b.get(from, chunk, 0, m);
            int i = 0;
            for (; i + 3 < m; i += 4) {
                double v0 = chunk[i], v1 = chunk[i + 1], v2 = chunk[i + 2], v3 = chunk[i + 3];
                s0 += v0 * v0;
                s1 += v1 * v1;
                s2 += v2 * v2;
                s3 += v3 * v3;
            }
            for (; i < m; i++) {
                double v = chunk[i];
                s0 += v * v;
            }
        }
        return (s0 + s1) + (s2 + s3);
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
            double scale = max / (norm + 1e-6);
            for (Tensor p : params) {
                if (p.grad() != null) {
                    p.grad().muli(scale);
                }
            }
        }
        return norm;
    }
}
