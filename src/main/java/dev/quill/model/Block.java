package dev.quill.model;

import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.config.ModelConfig;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * One transformer block, pre-norm as in GPT-2: normalize, transform, add back to the residual stream.
 * <pre>
 *   x = x + attn(ln_1(x))
 *   x = x + mlp(ln_2(x))
 * </pre>
 */
public final class Block extends Module {

    private final Norm ln1;
    private final CausalSelfAttention attn;
    private final Norm ln2;
    private final Mlp mlp;

    /**
     * @param cfg  the model's shape (width, heads, norm kind, dropout, bias)
     * @param rng  draws the initial weights and, later, the dropout masks
     * @param type the parameters' type
     */
    public Block(ModelConfig cfg, Rng rng, DataType type) {
        this.ln1 = norm(cfg, type);
        child("ln_1", ln1.module());
        this.attn = child("attn", new CausalSelfAttention(cfg, rng, type));
        this.ln2 = norm(cfg, type);
        child("ln_2", ln2.module());
        this.mlp = child("mlp", new Mlp(cfg, rng, type));
    }

    static Norm norm(ModelConfig cfg, DataType type) {
        return cfg.norm() == ModelConfig.Norm.RMSNORM
                ? new RmsNorm(cfg.nEmbd(), cfg.bias(), cfg.normEps(), type)
                : new LayerNorm(cfg.nEmbd(), cfg.bias(), cfg.normEps(), type);
    }

    /**
     * @param x the residual stream (B, T, C)
     * @return the residual stream after this block (B, T, C)
     */
    public Tensor forward(Tensor x) {
        x = x.add(attn.forward(ln1.forward(x)));   // (B, T, C)
        return x.add(mlp.forward(ln2.forward(x))); // (B, T, C)
    }

    /** The same block for new positions only, reading and extending the cache (inference). */
    Tensor forwardCached(Tensor x, KvCache cache, int layer) {
        x = x.add(attn.forwardCached(ln1.forward(x), cache, layer));
        return x.add(mlp.forward(ln2.forward(x)));
    }

    /** {@return the block's attention ({@code attn}), e.g. to switch its fused op off} */
    public CausalSelfAttention attention() {
        return attn;
    }
}
