package dev.quill.model;

import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.config.ModelConfig;
import org.nd4j.linalg.api.buffer.DataType;

/** The position-wise feed-forward network: c_fc to mlp_ratio * C, GELU, c_proj back to C, dropout. */
public final class Mlp extends Module {

    private final Linear cFc;
    private final Linear cProj;
    private final boolean tanhGelu;
    private final double dropout;
    private final Rng rng;

    /**
     * Weights normal(0, 0.02); {@code c_proj}'s scaled by 1 / sqrt(2 n_layer), as in GPT-2.
     *
     * @param cfg  the model's shape (C, mlp_ratio, activation, dropout, bias, layers)
     * @param rng  draws the initial weights and, later, the dropout masks
     * @param type the parameters' type
     */
    public Mlp(ModelConfig cfg, Rng rng, DataType type) {
        int c = cfg.nEmbd();
        int hidden = cfg.mlpRatio() * c;
        this.cFc = child("c_fc", new Linear(c, hidden, cfg.bias(), 0.02, rng, type));
        this.cProj = child("c_proj", new Linear(hidden, c, cfg.bias(), 0.02 / Math.sqrt(2.0 * cfg.nLayer()), rng, type));
        this.tanhGelu = cfg.activation() == ModelConfig.Activation.GELU_TANH;
        this.dropout = cfg.dropout();
        this.rng = rng;
    }

    /**
     * @param x the normalized residual stream (B, T, C)
     * @return the MLP's output, (when training) dropped out, (B, T, C)
     */
    public Tensor forward(Tensor x) {
        Tensor h = cFc.forward(x);                                   // (B, T, 4C)
        h = tanhGelu ? h.geluTanh() : h.gelu();
        return cProj.forward(h).dropout(dropout, rng, isTraining()); // (B, T, C)
    }
}
