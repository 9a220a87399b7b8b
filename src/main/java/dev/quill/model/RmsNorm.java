package dev.quill.model;

import dev.quill.autograd.Tensor;
import org.nd4j.linalg.api.buffer.DataType;

/** RMSNorm with gain {@code weight} (init 1) and optional {@code bias} (init 0); see the fused op's math. */
public final class RmsNorm extends Module implements Norm {

    private final Tensor weight;
    private final Tensor bias;
    private final double eps;

    /**
     * @param c    C, the normalized width
     * @param bias whether there is a {@code bias}
     * @param eps  added to the mean square
     * @param type the parameters' type
     */
    public RmsNorm(int c, boolean bias, double eps, DataType type) {
        this.weight = param("weight", Init.constant("weight", 1.0, type, c));
        this.bias = bias ? param("bias", Init.constant("bias", 0.0, type, c)) : null;
        this.eps = eps;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.rmsNorm(weight, bias, eps);
    }

    @Override
    public Module module() {
        return this;
    }
}
