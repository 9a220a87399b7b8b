package dev.quill.autograd;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The ops a {@link Tensor} offers as methods, {@code x.matmul(w).add(b).gelu()}: each is one line that hands
 * the tensor to its op class ({@code Add}, {@code MatMul}, {@code Gelu}, ...), where the forward and the
 * backward sit side by side. {@link Tensor} itself holds the value, the gradient and the graph; this is the
 * vocabulary, kept apart so that each file stays one concept.
 */
public abstract sealed class TensorOps permits Tensor {

    TensorOps() {
    }

    private Tensor self() {
        return (Tensor) this;
    }

    /**
     * @param other an operand whose shape broadcasts with this one's
     * @return {@code this + other}
     */
    public Tensor add(Tensor other) { return Add.apply(self(), other); }
    /**
     * @param other an operand whose shape broadcasts with this one's
     * @return {@code this - other}
     */
    public Tensor sub(Tensor other) { return Sub.apply(self(), other); }
    /**
     * @param other an operand whose shape broadcasts with this one's
     * @return {@code this * other}, elementwise
     */
    public Tensor mul(Tensor other) { return Mul.apply(self(), other); }
    /**
     * @param other an operand whose shape broadcasts with this one's
     * @return {@code this / other}, elementwise
     */
    public Tensor div(Tensor other) { return Div.apply(self(), other); }
    /**
     * @param c a constant
     * @return {@code this + c}
     */
    public Tensor add(double c) { return ScalarAdd.apply(self(), c); }
    /**
     * @param c a constant
     * @return {@code this * c}
     */
    public Tensor mul(double c) { return ScalarMul.apply(self(), c); }
    /** {@return {@code -this}} */
    public Tensor neg() { return ScalarMul.apply(self(), -1.0); }
    /**
     * @param p a constant exponent
     * @return {@code this^p}, elementwise
     */
    public Tensor pow(double p) { return Pow.apply(self(), p); }

    /**
     * @param other the right operand
     * @return {@code this @ other}: 2-D, batched with equal batch axes, or N-D times a 2-D matrix
     */
    public Tensor matmul(Tensor other) { return MatMul.apply(self(), other, false, false); }
    /**
     * {@code op(this) @ op(other)} where op transposes the last two axes when asked, without copying a
     * transposed array ({@code x.matmul(w, false, true)} is a Linear layer's {@code x w^T}).
     *
     * @param other          the right operand
     * @param transposeThis  use this tensor's last two axes swapped
     * @param transposeOther use {@code other}'s last two axes swapped
     * @return the product (inner sizes that differ fail, naming both shapes)
     */
    public Tensor matmul(Tensor other, boolean transposeThis, boolean transposeOther) {
        return MatMul.apply(self(), other, transposeThis, transposeOther);
    }

    /**
     * @param axes a permutation of the axes: the result's axis i is this tensor's axis {@code axes[i]}
     * @return the permuted tensor, copied into c order
     */
    public Tensor permute(int... axes) { return Permute.apply(self(), axes); }
    /**
     * Swaps two axes.
     *
     * @param a one axis
     * @param b the other
     * @return the tensor with axes {@code a} and {@code b} exchanged
     */
    public Tensor transpose(int a, int b) { return Permute.swap(self(), a, b); }
    /**
     * @param shape the new shape, of the same length; one size may be -1 (inferred)
     * @return the same elements in c order, viewed with another shape
     */
    public Tensor reshape(long... shape) { return Reshape.apply(self(), shape); }
    /**
     * Elements {@code [from, to)} along {@code axis}, as a view.
     *
     * @param axis the axis to cut
     * @param from the first index kept, from 0
     * @param to   one past the last index kept, at most the axis's size and more than {@code from}
     * @return the slice
     */
    public Tensor slice(int axis, long from, long to) { return Slice.apply(self(), axis, from, to); }
    /**
     * {@code parts} equal pieces along {@code axis} (the fused QKV projection splits into q, k, v).
     *
     * @param axis  the axis to cut
     * @param parts how many pieces; must divide the axis's size
     * @return the pieces, in order
     */
    public List<Tensor> split(int axis, int parts) { return Slice.split(self(), axis, parts); }
    /**
     * Joins tensors along an axis.
     *
     * @param axis  the axis to join along
     * @param parts at least one tensor; all of one type and equal in every other axis
     * @return the joined tensor
     */
    public static Tensor concat(int axis, Tensor... parts) { return Concat.apply(axis, parts); }

    /** {@return the sum over all elements (a scalar)} */
    public Tensor sum() { return Sum.apply(self(), false, false); }
    /**
     * Sum over the given axes.
     *
     * @param keepDims keep each reduced axis with size 1 (so the result broadcasts back against this)
     * @param axes     the axes to reduce; none means all
     * @return the sums
     */
    public Tensor sum(boolean keepDims, int... axes) { return Sum.apply(self(), false, keepDims, axes); }
    /** {@return the mean over all elements (a scalar)} */
    public Tensor mean() { return Sum.apply(self(), true, false); }
    /**
     * Mean over the given axes.
     *
     * @param keepDims keep each reduced axis with size 1
     * @param axes     the axes to reduce; none means all
     * @return the means
     */
    public Tensor mean(boolean keepDims, int... axes) { return Sum.apply(self(), true, keepDims, axes); }

    /** {@return e^x, elementwise} */
    public Tensor exp() { return Exp.apply(self()); }
    /** {@return the natural logarithm, elementwise} */
    public Tensor log() { return Log.apply(self()); }
    /** {@return the square root, elementwise (a {@link #pow} with p = 1/2)} */
    public Tensor sqrt() { return Pow.apply(self(), 0.5); }
    /** {@return 1 / sqrt(x), elementwise (a {@link #pow} with p = -1/2)} */
    public Tensor rsqrt() { return Pow.apply(self(), -0.5); }
    /** {@return tanh, elementwise} */
    public Tensor tanh() { return Tanh.apply(self()); }
    /** {@return GELU, the exact form x * Phi(x) with Phi the normal CDF} */
    public Tensor gelu() { return Gelu.apply(self(), false); }
    /** {@return GELU, the tanh approximation used by GPT-2} */
    public Tensor geluTanh() { return Gelu.apply(self(), true); }

    /** {@return the softmax over the last axis} */
    public Tensor softmax() { return Softmax.apply(self()); }
    /** {@return the log-softmax over the last axis} */
    public Tensor logSoftmax() { return LogSoftmax.apply(self()); }
    /** {@return these scores (..., T, T) with future positions (column j > row i) set to -infinity} */
    public Tensor causalMask() { return CausalMask.apply(self()); }
    /**
     * Inverted dropout: each element kept with probability 1 - p and scaled by 1 / (1 - p), else zeroed.
     *
     * @param p        the drop probability, in [0, 1)
     * @param rng      draws the mask
     * @param training false makes this the identity (as does p == 0)
     * @return the masked tensor
     */
    public Tensor dropout(double p, Rng rng, boolean training) { return Dropout.apply(self(), p, rng, training); }
    /**
     * Rows of this table (V, C) at integer ids of any shape S.
     *
     * @param ids token ids in [0, V), any shape S
     * @return the rows, of shape (S..., C)
     */
    public Tensor embedding(INDArray ids) { return Embedding.apply(self(), ids); }
    /**
     * Mean cross-entropy of these logits (..., V) against integer targets (...); targets equal to
     * {@code ignoreIndex} count for nothing.
     *
     * @param targets     the right token id for each row of logits
     * @param ignoreIndex a target value that marks a row to skip (-1 by convention; padding, prompts)
     * @return the mean loss over the rows not ignored (0 when every row is ignored)
     */
    public Tensor crossEntropy(INDArray targets, int ignoreIndex) { return CrossEntropy.apply(self(), targets, ignoreIndex); }

    /**
     * Layer normalization over the last axis: {@code (x - mean) / sqrt(var + eps) * g + b}.
     *
     * @param g   the gain, of shape (C)
     * @param b   the bias, of shape (C), or null for none
     * @param eps added to the variance
     * @return the normalized tensor
     */
    public Tensor layerNorm(Tensor g, Tensor b, double eps) { return LayerNormOp.apply(self(), g, b, eps); }
    /**
     * RMS normalization over the last axis: {@code x / sqrt(mean(x^2) + eps) * g + b}.
     *
     * @param g   the gain, of shape (C)
     * @param b   the bias, of shape (C), or null for none
     * @param eps added to the mean square
     * @return the normalized tensor
     */
    public Tensor rmsNorm(Tensor g, Tensor b, double eps) { return RmsNormOp.apply(self(), g, b, eps); }
    /**
     * Fused causal attention softmax(mask(q k^T / sqrt(hs))) v over (B, nh, T, hs) inputs, with attention
     * dropout p when training.
     *
     * @param q        queries (B, nh, T, hs)
     * @param k        keys (B, nh, T, hs)
     * @param v        values (B, nh, T, hs)
     * @param dropout  the drop probability on the attention weights
     * @param rng      draws the dropout mask
     * @param training false turns dropout off
     * @return the attended values (B, nh, T, hs)
     */
    public static Tensor attention(Tensor q, Tensor k, Tensor v, double dropout, Rng rng, boolean training) {
        return AttentionOp.apply(q, k, v, dropout, rng, training);
    }

    /**
     * Fused multi-head causal attention from the packed projection {@code qkv} (B, T, 3C) to (B, T, C):
     * the head split, attention and head merge of {@code CausalSelfAttention} in one op.
     *
     * @param qkv      queries, keys and values side by side, (B, T, 3C)
     * @param nHead    the number of heads nh; C must divide by it
     * @param dropout  the drop probability on the attention weights
     * @param rng      draws the dropout mask
     * @param training false turns dropout off
     * @return the heads merged back, (B, T, C)
     */
    public static Tensor causalSelfAttention(Tensor qkv, int nHead, double dropout, Rng rng, boolean training) {
        return QkvAttentionOp.apply(qkv, nHead, dropout, rng, training);
    }
}
