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

    public Mlp(ModelConfig cfg, Rng rng, DataType type) {
        int c = cfg.nEmbd();
        int hidden = cfg.mlpRatio() * c;
        this.cFc = child("c_fc", new Linear(c, hidden, cfg.bias(), 0.02, rng, type));
        this.cProj = child("c_proj", new Linear(hidden, c, cfg.bias(), 0.02 / Math.sqrt(2.0 * cfg.nLayer()), rng, type));
        this.tanhGelu = cfg.activation() == ModelConfig.Activation.GELU_TANH;
        this.dropout = cfg.dropout();
        this.rng = rng;
    }

    public Tensor forward(Tensor x) {
        Tensor h = cFc.forward(x);                                   // (B, T, 4C)
        h = tanhGelu ? h.geluTanh() : h.gelu();
        return cProj.forward(h).dropout(dropout, rng, isTraining()); // (B, T, C)
    }
}
