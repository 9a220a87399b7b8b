package dev.quill.model;

import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.config.LoraConfig;

/**
 * A frozen {@link Linear} plus a trainable low-rank update (LoRA, Hu et al. 2021), as PEFT computes it:
 * <pre>
 *   y = x W^T + b + (alpha / r) * B (A dropout(x))       x (..., in) -> y (..., out)
 *   A (r, in)   uniform(-1/sqrt(in), 1/sqrt(in))          PEFT's kaiming_uniform(a = sqrt 5)
 *   B (out, r)  zero                                      so training starts exactly at the base model
 * </pre>
 * W and b are the wrapped Linear's own tensors, registered here under their old names ({@code weight},
 * {@code bias}) so the base's parameter names do not change; A and B are two bias-free Linears named as
 * in PEFT, {@code lora_A.weight} and {@code lora_B.weight}. Fine-tuning trains r (in + out) numbers
 * instead of in * out. Only ops the autograd already has are used: two matmuls with a transpose flag, a
 * scalar multiply, an add and dropout. {@link Lora} installs, merges and finds these modules.
 */
public final class LoraLinear extends Projection {

    private final Linear base;
    private final Linear loraA;
    private final Linear loraB;
    private final LoraConfig config;
    private final Rng dropoutRng;

    /**
     * Wraps {@code base} (whose tensors it shares; freezing them is the caller's part, see {@link Lora#apply}).
     * {@code initRng} draws A; {@code dropoutRng} draws the dropout masks (the model's generator, so a
     * resumed run replays them).
     */
    LoraLinear(Linear base, LoraConfig config, Rng initRng, Rng dropoutRng) {
        this.base = base;
        this.config = config;
        this.dropoutRng = dropoutRng;
        Tensor w = base.weight();
        long out = w.size(0);
        long in = w.size(1);
        int r = config.rank();
        param("weight", w);
        if (base.bias() != null) {
            param("bias", base.bias());
        }
        Tensor a = Init.uniform("lora_A.weight", initRng, 1.0 / Math.sqrt(in), w.dataType(), r, in);   // (r, in)
        Tensor b = Init.constant("lora_B.weight", 0.0, w.dataType(), out, r);                          // (out, r)
        this.loraA = child("lora_A", new Linear(a, null));
        this.loraB = child("lora_B", new Linear(b, null));
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = base.forward(x);                                                  // (..., out)
        Tensor h = loraA.forward(x.dropout(config.dropout(), dropoutRng, isTraining())); // (..., r)
        // the scale goes on the r-wide h, not the out-wide product: cheaper, and equal in exact arithmetic
        return y.add(loraB.forward(h.mul(config.scale())));                          // (..., out)
    }

    /** The frozen base weight W (out, in). */
    @Override
    public Tensor weight() {
        return base.weight();
    }

    /** The frozen base bias (out), or null. */
    @Override
    public Tensor bias() {
        return base.bias();
    }

    /** {@return the wrapped Linear, which takes this module's place again when the update is merged} */
    public Linear base() {
        return base;
    }

    /** {@return A (r, in), the down-projection, a trainable parameter} */
    public Tensor loraA() {
        return loraA.weight();
    }

    /** {@return B (out, r), the up-projection, a trainable parameter; zero at the start} */
    public Tensor loraB() {
        return loraB.weight();
    }

    /** {@return the configuration it was made with (rank, alpha, dropout, targets)} */
    public LoraConfig config() {
        return config;
    }
}
