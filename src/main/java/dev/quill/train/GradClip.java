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
        for (Tensor p : params) {
            INDArray g = p.grad();
            if (g == null) {
                continue;
            }
            if (Kernels.java() && Kernels.plain(g) && g.dataType() == DataType.FLOAT) {
                sq += sumOfSquares(g.data().asNioFloat(), (int) g.length()); // no native call per parameter
            } else {
                double n = g.norm2Number().doubleValue();
                sq += n * n;
            }
        }
        return Math.sqrt(sq);
    }

    private static double sumOfSquares(FloatBuffer b, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            double v = b.get(i);
            s += v * v;
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
