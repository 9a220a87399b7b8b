package dev.quill.model;

import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.config.ModelConfig;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Multi-head causal self-attention. One fused projection {@code c_attn} makes queries, keys and values
 * for all heads at once; each head attends over the earlier positions only; {@code c_proj} mixes the heads.
 * <pre>
 *   q, k, v = split(c_attn(x))                   (B, T, C) each
 *   q, k, v -> (B, nh, T, hs)                    heads as a batch axis
 *   y = softmax(mask(q k^T / sqrt(hs))) v        (B, nh, T, hs)
 *   y -> (B, T, C),  out = dropout(c_proj(y))
 * </pre>
 * The split, attention and merge run as one fused op ({@link Tensor#causalSelfAttention}); the composite
 * path ({@link #useFusedAttention} off) spells out the same computation op by op with {@code split},
 * {@code reshape}, {@code permute} and {@link #attendComposite}, for reading and as the fused op's oracle.
 */
public final class CausalSelfAttention extends Module {

    private Projection cAttn; // a Linear, or a LoraLinear once Lora has wrapped it
    private Projection cProj;
    private final int nHead;
    private final double dropout;
    private final Rng rng;
    private boolean fused = true;

    /**
     * c_attn and c_proj as GPT-2 initializes them: normal(0, 0.02), c_proj's std divided by sqrt(2 n_layer)
     * for the residual stream.
     *
     * @param cfg  the model's shape (width C, layers for the c_proj scale, bias, dropout, n_head)
     * @param rng  draws the initial weights now and the dropout masks later (kept)
     * @param type the parameters' type: FLOAT, or DOUBLE for gradient checks
     */
    public CausalSelfAttention(ModelConfig cfg, Rng rng, DataType type) {
        int c = cfg.nEmbd();
        this.nHead = cfg.nHead();
        this.dropout = cfg.dropout();
        this.rng = rng;
        this.cAttn = child("c_attn", new Linear(c, 3 * c, cfg.bias(), 0.02, rng, type));
        this.cProj = child("c_proj", new Linear(c, c, cfg.bias(), 0.02 / Math.sqrt(2.0 * cfg.nLayer()), rng, type));
    }

    /** Puts {@code p} in the place of projection {@code name} ({@code c_attn} or {@code c_proj}); see {@link Lora}. */
    void replace(String name, Projection p) {
        switch (name) {
            case "c_attn" -> cAttn = p;
            case "c_proj" -> cProj = p;
            default -> throw new IllegalArgumentException("attention has no projection " + name);
        }
        replaceChild(name, p);
    }

    /**
     * Chooses how {@link #forward} computes attention; both give the same result within float rounding.
     *
     * @param on true (the default) for the fused op, false for the composite path of primitive ops, kept
     *           for teaching and as the oracle in tests
     */
    public void useFusedAttention(boolean on) {
        this.fused = on;
    }

    /**
     * Attention over all T positions at once, each attending to itself and the ones before it, recording
     * the graph for backward.
     *
     * @param x the normalized residual stream (B, T, C)
     * @return the update for the residual stream (B, T, C), after c_proj and dropout (while training)
     */
    public Tensor forward(Tensor x) {
        long b = x.size(0);
        long t = x.size(1);
        long c = x.size(2);
        long hs = c / nHead;
        Tensor qkvPacked = cAttn.forward(x);                                          // (B, T, 3C)
        Tensor y;
        if (fused) {
            y = Tensor.causalSelfAttention(qkvPacked, nHead, dropout, rng, isTraining()); // (B, T, C)
        } else {
            List<Tensor> qkv = qkvPacked.split(2, 3);                                 // 3 x (B, T, C)
            Tensor q = qkv.get(0).reshape(b, t, nHead, hs).permute(0, 2, 1, 3);      // (B, nh, T, hs)
            Tensor k = qkv.get(1).reshape(b, t, nHead, hs).permute(0, 2, 1, 3);      // (B, nh, T, hs)
            Tensor v = qkv.get(2).reshape(b, t, nHead, hs).permute(0, 2, 1, 3);      // (B, nh, T, hs)
            y = attendComposite(q, k, v).permute(0, 2, 1, 3).reshape(b, t, c);        // (B, T, C)
        }
        return cProj.forward(y).dropout(dropout, rng, isTraining());                  // (B, T, C)
    }

    /**
     * Inference with a {@link KvCache}: x (B, t, C) holds the new positions only; their keys and values
     * are appended to the cache and the queries attend over every cached position (the new ones included,
     * causally). No graph is recorded.
     */
    Tensor forwardCached(Tensor x, KvCache cache, int layer) {
        long b = x.size(0);
        long t = x.size(1);
        long c = x.size(2);
        long hs = c / nHead;
        List<Tensor> qkv = cAttn.forward(x).split(2, 3);                              // 3 x (B, t, C)
        INDArray q = qkv.get(0).reshape(b, t, nHead, hs).permute(0, 2, 1, 3).value(); // (B, nh, t, hs)
        INDArray k = qkv.get(1).reshape(b, t, nHead, hs).permute(0, 2, 1, 3).value();
        INDArray v = qkv.get(2).reshape(b, t, nHead, hs).permute(0, 2, 1, 3).value();
        int past = cache.length();
        INDArray[] kv = cache.append(layer, k, v);                                    // (B, nh, past+t, hs)
        INDArray scores = Nd4j.matmul(q, kv[0].dup('c'), null, false, true, false)
                .muli(1.0 / Math.sqrt(hs));                                           // (B, nh, t, past+t)
        if (t > 1) {
            // query i sits at position past+i and may see keys 0 .. past+i
            INDArray mask = Nd4j.zeros(scores.dataType(), t, past + t);
            for (int i = 0; i < t; i++) {
                for (long j = past + i + 1; j < past + t; j++) {
                    mask.putScalar(i, j, Double.NEGATIVE_INFINITY);
                }
            }
            scores.addi(mask);
        }
        INDArray att = Tensor.of(scores).softmax().value();
        INDArray y = Nd4j.matmul(att, kv[1].dup('c'));                                // (B, nh, t, hs)
        Tensor out = Tensor.of(y).permute(0, 2, 1, 3).reshape(b, t, c);               // (B, t, C)
        return cProj.forward(out);
    }

    /** softmax(mask(q k^T / sqrt(hs))) v from primitive ops. */
    Tensor attendComposite(Tensor q, Tensor k, Tensor v) {
        double scale = 1.0 / Math.sqrt(q.size(-1));
        Tensor att = q.matmul(k, false, true).mul(scale);                             // (B, nh, T, T)
        att = att.causalMask().softmax().dropout(dropout, rng, isTraining());
        return att.matmul(v);                                                          // (B, nh, T, hs)
    }
}
