package dev.quill.model;

import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.config.ModelConfig;
import org.nd4j.linalg.api.buffer.DataType;

/** The position-wise feed-forward network: c_fc to the hidden width H (mlp_ratio * C, or mlp_hidden), GELU, c_proj back to C, dropout. */
public final class Mlp extends Module {

    private Projection cFc; // a Linear, or a LoraLinear once Lora has wrapped it
    private Projection cProj;
    private final boolean tanhGelu;
    private final double dropout;
    private final Rng rng;

    /**
     * c_fc and c_proj as GPT-2 initializes them: normal(0, 0.02), c_proj's std divided by sqrt(2 n_layer)
     * for the residual stream.
     *
     * @param cfg  the model's shape (width C, layers for the c_proj scale, bias, dropout, mlp width, activation)
     * @param rng  draws the initial weights now and the dropout masks later (kept)
     * @param type the parameters' type: FLOAT, or DOUBLE for gradient checks
     */
    public Mlp(ModelConfig cfg, Rng rng, DataType type) {
        int c = cfg.nEmbd();
        int hidden = cfg.mlpWidth();
        this.cFc = child("c_fc", new Linear(c, hidden, cfg.bias(), 0.02, rng, type));
        this.cProj = child("c_proj", new Linear(hidden, c, cfg.bias(), 0.02 / Math.sqrt(2.0 * cfg.nLayer()), rng, type));
        this.tanhGelu = cfg.activation() == ModelConfig.Activation.GELU_TANH;
        this.dropout = cfg.dropout();
        this.rng = rng;
    }

    /** Puts {@code p} in the place of projection {@code name} ({@code c_fc} or {@code c_proj}); see {@link Lora}. */
    void replace(String name, Projection p) {
        switch (name) {
            case "c_fc" -> cFc = p;
            case "c_proj" -> cProj = p;
            default -> throw new IllegalArgumentException("mlp has no projection " + name);
        }
        replaceChild(name, p);
    }

    /**
     * c_fc, GELU (exact or tanh as the config says), c_proj, then dropout while training.
     *
     * @param x the normalized residual stream (B, T, C)
     * @return the update for the residual stream (B, T, C)
     */
    public Tensor forward(Tensor x) {
        Tensor h = cFc.forward(x);                                   // (B, T, H)
        h = tanhGelu ? h.geluTanh() : h.gelu();
        return cProj.forward(h).dropout(dropout, rng, isTraining()); // (B, T, C)
    }
}
