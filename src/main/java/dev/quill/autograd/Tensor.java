package dev.quill.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A value in the computation graph: an ND4J array, the gradient of the loss with respect to it (after
 * {@link #backward()}), and the op that made it. Leaves are inputs and parameters; every other tensor
 * knows its {@link Function}, and through it its inputs, so {@code loss.backward()} can walk the graph
 * from the loss back to the leaves (reverse-mode automatic differentiation).
 *
 * <p>Ops are methods ({@code x.matmul(w).add(b).gelu()}); each is a small class in this package with
 * its forward and backward side by side. Shapes in comments use B batch, T time, C channels, V vocab.
 */
public final class Tensor {

    private final INDArray value;
    private boolean requiresGrad; // fixed for op results; a leaf's can be switched (freezing)
    private final Function creator;
    private final MemoryScope scope;
    private INDArray grad;
    private boolean gradIsZero; // zeroGrad() was called: grad's contents are stale and count as zero
    private boolean gradShared; // grad may be held elsewhere too (see accumulateGrad): never written in place
    private boolean retainGrad;
    private boolean released;
    private String name;

    Tensor(INDArray value, boolean requiresGrad, Function creator) {
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.creator = creator;
        // An op's output belongs to the open scope even when its array is a view of a parameter's (a slice of
        // the position table, a reshape of a weight): its gradient is then a step's intermediate, made in the
        // scope, not a parameter's gradient, allocated outside it at every step and left to the GC.
        this.scope = value.isAttached() || creator != null ? MemoryScope.current() : null;
    }

    // ---------------------------------------------------------------- creation

    /**
     * @param value the array, used as is (not copied)
     * @return a constant: an input or a target, which wants no gradient
     */
    public static Tensor of(INDArray value) {
        return new Tensor(value, false, null);
    }

    /**
     * @param value the array, used as is (not copied)
     * @return a leaf that wants a gradient (an input being checked, or a parameter inside a step)
     */
    public static Tensor leaf(INDArray value) {
        return new Tensor(value, true, null);
    }

    /**
     * A parameter: a leaf that wants a gradient and lives outside every {@link MemoryScope}, so it and
     * its gradient survive from step to step. An array created inside a scope is copied out of it.
     *
     * @param value the initial weights
     * @param name  the checkpoint name ({@code transformer.h.0.attn.c_attn.weight}), shown in messages
     * @return the parameter
     */
    public static Tensor parameter(INDArray value, String name) {
        INDArray v = value.isAttached() ? MemoryScope.outside(value::detach) : value;
        Tensor t = new Tensor(v, true, null);
        t.name = name;
        return t;
    }

    // ---------------------------------------------------------------- state

    /**
     * {@return the array}
     *
     * @throws IllegalStateException when the tensor was released or its memory scope has closed
     */
    public INDArray value() {
        checkUsable();
        return value;
    }

    /**
     * {@return the gradient of the last {@link #backward()} (summed over calls until {@link #zeroGrad()}),
     * or null before any}
     */
    public INDArray grad() {
        checkUsable();
        if (grad != null && gradShared) { // callers may write into what they get (clipping scales in place)
            grad = ownCopy(grad);
            gradShared = false;
        }
        if (gradIsZero) {
            grad.assign(0);
            gradIsZero = false;
        }
        return grad;
    }

    /** {@return true for leaves created with {@link #leaf} or {@link #parameter} and for results of their ops} */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /**
     * Freezes ({@code false}) or unfreezes ({@code true}) a leaf, as PyTorch's {@code requires_grad_}: ops
     * record no history for a frozen tensor, so backward gives it no gradient and an optimizer built over
     * the trainable parameters has no state for it. Freezing drops the gradient held so far. Switch it
     * between steps, not between a forward and its backward.
     *
     * @param on true to train this leaf, false to freeze it
     * @return this tensor
     * @throws IllegalStateException when this tensor is not a leaf (an op made it)
     */
    public Tensor requiresGrad(boolean on) {
        if (creator != null) {
            throw new IllegalStateException("requiresGrad(" + on + "): " + describe()
                    + " is not a leaf; only inputs and parameters can be frozen or unfrozen");
        }
        requiresGrad = on;
        if (!on) {
            grad = null;
            gradIsZero = false;
            gradShared = false;
        }
        return this;
    }

    /** {@return true for tensors no op made (inputs, parameters)} */
    public boolean isLeaf() {
        return creator == null;
    }

    /** {@return the op that made this tensor, or null for a leaf} */
    public Function creator() {
        return creator;
    }

    /**
     * Keeps the gradient of an intermediate tensor after backward (leaves always keep theirs).
     *
     * @return this tensor
     */
    public Tensor retainGrad() {
        this.retainGrad = true;
        return this;
    }

    /**
     * {@return the name for messages, or null (parameters carry their checkpoint name, e.g.
     * {@code transformer.wte.weight})}
     */
    public String name() {
        return name;
    }

    /**
     * Sets the name used in messages.
     *
     * @param name any label
     * @return this tensor
     */
    public Tensor named(String name) {
        this.name = name;
        return this;
    }

    /** {@return the value's shape (a fresh array)} */
    public long[] shape() {
        return value().shape();
    }

    /** {@return the number of axes} */
    public int rank() {
        return value().rank();
    }

    /**
     * @param axis an axis in [-rank, rank); -1 is the last
     * @return the size along that axis
     */
    public long size(int axis) {
        return value().size(Shapes.axis("size", axis, rank()));
    }

    /** {@return the value's element type: FLOAT in training, DOUBLE in gradient checks} */
    public DataType dataType() {
        return value().dataType();
    }

    /**
     * {@return the value of a one-element tensor, e.g. a loss}
     *
     * @throws IllegalStateException when the tensor has more than one element
     */
    public double item() {
        INDArray v = value();
        if (v.length() != 1) {
            throw new IllegalStateException("item() needs a one-element tensor, not shape " + Shapes.str(v.shape()));
        }
        return v.getDouble(0);
    }

    /** {@return the same array with no history: a constant for the ops that follow} */
    public Tensor detach() {
        return Tensor.of(value());
    }

    /**
     * Sets the gradient to zero, keeping its memory, as before each accumulation of a new step. The zeroing
     * is lazy: the next accumulation overwrites instead of adding, which saves a pass over every parameter.
     */
    public void zeroGrad() {
        if (grad != null) {
            gradIsZero = true;
        }
    }

    /**
     * Frees the native memory now (for tensors outside a scope; inside one the scope owns it). Any later
     * use of this tensor fails with a clear message instead of touching freed memory.
     */
    public void release() {
        if (released) {
            return;
        }
        released = true;
        if (scope == null) {
            if (grad != null && !gradShared && !grad.isView() && !grad.wasClosed()) { // a view is freed by the GC
                grad.close();
            }
            if (!value.wasClosed() && !value.isView()) {
                value.close();
            }
        }
        grad = null;
    }

    private void checkUsable() {
        if (released) {
            throw new IllegalStateException(describe() + " was released and cannot be used");
        }
        if (scope != null && !scope.isOpen()) {
            throw new IllegalStateException(describe() + " lived in memory scope '" + scope.name()
                    + "', which has closed; keep what must outlive a step outside the scope"
                    + " (MemoryScope.outside) or copy it out before the scope ends");
        }
    }

    private String describe() {
        String what = name != null ? "tensor '" + name + "'" : "tensor";
        String by = creator != null ? " made by " + creator.name() : "";
        return what + by;
    }

    // ---------------------------------------------------------------- backward

    /** Back-propagates from this one-element tensor (a loss): dL/dL = 1. */
    public void backward() {
        INDArray v = value();
        if (v.length() != 1) {
            throw new IllegalStateException("backward() without a seed gradient needs a one-element tensor (a loss), "
                    + "but this tensor has shape " + Shapes.str(v.shape()) + "; call backward(seed) with an array of that shape");
        }
        run(v.ulike().assign(1.0));
    }

    /**
     * Back-propagates {@code seed} = dL/d(this): visits every op between the leaves and this tensor once,
     * in reverse topological order, and adds each leaf's gradient into {@link #grad()}.
     *
     * @param seed dL/d(this), of this tensor's shape
     * @throws IllegalStateException    when nothing this tensor depends on requires a gradient
     * @throws IllegalArgumentException when {@code seed}'s shape differs from this tensor's
     */
    public void backward(INDArray seed) {
        run(seed.dup('c')); // a copy: the caller may change its array after this call
    }

    /** The backward pass from {@code seed}, an array this tensor may keep as its gradient. */
    private void run(INDArray seed) {
        INDArray v = value();
        if (!requiresGrad) {
            throw new IllegalStateException("backward(): this tensor does not depend on anything that requires a gradient");
        }
        if (!java.util.Arrays.equals(seed.shape(), v.shape())) {
            throw new IllegalArgumentException("backward(): seed shape " + Shapes.str(seed.shape())
                    + " differs from the tensor's shape " + Shapes.str(v.shape()));
        }
        List<Tensor> order = topologicalOrder();
        accumulateGrad(seed, true);
        for (int i = order.size() - 1; i >= 0; i--) {
            Tensor t = order.get(i);
            if (t.creator == null || t.grad == null) {
                continue;
            }
            t.creator.backward(t.grad);
            if (!t.retainGrad && t != this) {
                t.grad = null; // an intermediate's gradient is not needed once its op has used it
            } else {
                t.gradShared = true; // kept, and the op may have passed it on to its inputs unchanged
            }
        }
    }

    /** Tensors reachable from this one, inputs before the ops that use them (iterative post-order DFS). */
    private List<Tensor> topologicalOrder() {
        List<Tensor> order = new ArrayList<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Tensor> stack = new ArrayDeque<>();
        Deque<Integer> next = new ArrayDeque<>();
        stack.push(this);
        next.push(0);
        seen.add(this);
        while (!stack.isEmpty()) {
            Tensor t = stack.peek();
            int i = next.pop();
            Tensor[] inputs = t.creator == null ? new Tensor[0] : t.creator.inputs();
            if (i < inputs.length) {
                next.push(i + 1);
                Tensor in = inputs[i];
                if (in.requiresGrad && seen.add(in)) {
                    stack.push(in);
                    next.push(0);
                }
            } else {
                stack.pop();
                order.add(t);
            }
        }
        return order;
    }

    /**
     * grad += g. Copying a (B, T, C) gradient costs as much as adding it, so who holds which array decides
     * what is copied:
     * <ul>
     *   <li>{@code owned} (the op just allocated g and nobody else holds it): g becomes the gradient as it is;</li>
     *   <li>not owned (g passes through an op unchanged, like an addition's dy, which both inputs receive):
     *       g also becomes the gradient without a copy, but marked shared. A shared gradient is never written
     *       in place: the next accumulation makes a new array (copy on write; into g itself when g is owned,
     *       since addition commutes), and {@link #grad()} hands out a copy;</li>
     *   <li>a parameter's gradient lives outside the step's scope and is kept from step to step: it is
     *       allocated there once, then g is added into it (or, after {@link #zeroGrad()}, copied over it).</li>
     * </ul>
     * An array that is not {@link Kernels#plain plain} (a permuted view, a slice) is copied into c order first.
     */
    void accumulateGrad(INDArray g, boolean owned) {
        checkUsable();
        if (!java.util.Arrays.equals(g.shape(), value.shape())) {
            throw new IllegalStateException("gradient of shape " + Shapes.str(g.shape()) + " for " + describe()
                    + " of shape " + Shapes.str(value.shape()) + " (a backward bug)");
        }
        boolean outside = scope == null && MemoryScope.current() != null; // must not live in the open scope
        boolean plain = Kernels.plain(g);
        if (grad != null && !gradShared) {                 // our own array: write into it
            if (gradIsZero) {
                grad.assign(g);
            } else {
                grad.addi(g);
            }
        } else if (grad != null && !gradIsZero) {          // shared: the sum goes into a new array
            INDArray old = grad;
            if (owned && plain && !outside) {
                grad = g.addi(old);                                            // g + old, in g
            } else {
                grad = outside ? MemoryScope.outside(() -> old.add(g)) : old.add(g);
            }
            gradShared = false;
        } else if (outside || !plain) {                    // the first gradient, copied
            grad = ownCopy(g);
            gradShared = false;
        } else {                                           // the first gradient, kept as it is
            grad = g;
            gradShared = !owned;
        }
        gradIsZero = false;
    }

    /**
     * grad += op(x) @ op(y) as one GEMM into the gradient array itself: beta = 0 after {@link #zeroGrad()}
     * (the stale contents are overwritten, never read), beta = 1 otherwise. A Linear's weight gradient so
     * needs neither a temporary (out, in) product nor a pass copying it into the gradient. Returns false,
     * having done nothing, unless this tensor already has a plain 2-D gradient array of its own (in a
     * training step: a parameter, from the second step on).
     */
    boolean accumulateProduct(INDArray x, INDArray y, boolean tx, boolean ty) {
        checkUsable();
        if (grad == null || gradShared || grad.rank() != 2 || x.rank() != 2 || !Kernels.plain(grad)
                || grad.dataType() != x.dataType()) {
            return false;
        }
        long rows = tx ? x.size(1) : x.size(0);
        long cols = ty ? y.size(0) : y.size(1);
        if (rows != grad.size(0) || cols != grad.size(1)) {
            throw new IllegalStateException("gradient product of shape (" + rows + ", " + cols + ") for " + describe()
                    + " of shape " + Shapes.str(grad.shape()) + " (a backward bug)");
        }
        MatMul.productInto(x, y, grad, tx, ty, gradIsZero ? 0.0 : 1.0);
        gradIsZero = false;
        return true;
    }

    /**
     * grad += values, by a Java loop straight into the gradient array (after {@link #zeroGrad()}: grad =
     * values), sparing a temporary array and a native call per norm gain and bias. Returns false, having
     * done nothing, unless this tensor has a plain FLOAT or DOUBLE gradient array of its own.
     */
    boolean accumulateValues(double[] values) {
        checkUsable();
        if (grad == null || gradShared || !Kernels.usable(grad)) {
            return false;
        }
        if (values.length != grad.length()) {
            throw new IllegalStateException(values.length + " gradient values for " + describe() + " of shape "
                    + Shapes.str(grad.shape()) + " (a backward bug)");
        }
        HostBuffer b = HostBuffer.of(grad);
        for (int j = 0; j < values.length; j++) {
            b.set(j, gradIsZero ? values[j] : b.get(j) + values[j]);
        }
        gradIsZero = false;
        return true;
    }

    /** A c-order copy of {@code a}, allocated where this tensor lives (a parameter: outside every scope). */
    private INDArray ownCopy(INDArray a) {
        return scope == null && MemoryScope.current() != null ? MemoryScope.outside(() -> a.dup('c')) : a.dup('c');
    }

    // ---------------------------------------------------------------- ops (each one a class in this package)

    /**
     * @param other an operand whose shape broadcasts with this one's
     * @return {@code this + other}
     */
    public Tensor add(Tensor other) { return Add.apply(this, other); }
    /**
     * @param other an operand whose shape broadcasts with this one's
     * @return {@code this - other}
     */
    public Tensor sub(Tensor other) { return Sub.apply(this, other); }
    /**
     * @param other an operand whose shape broadcasts with this one's
     * @return {@code this * other}, elementwise
     */
    public Tensor mul(Tensor other) { return Mul.apply(this, other); }
    /**
     * @param other an operand whose shape broadcasts with this one's
     * @return {@code this / other}, elementwise
     */
    public Tensor div(Tensor other) { return Div.apply(this, other); }
    /**
     * @param c a constant
     * @return {@code this + c}
     */
    public Tensor add(double c) { return ScalarAdd.apply(this, c); }
    /**
     * @param c a constant
     * @return {@code this * c}
     */
    public Tensor mul(double c) { return ScalarMul.apply(this, c); }
    /** {@return {@code -this}} */
    public Tensor neg() { return ScalarMul.apply(this, -1.0); }
    /**
     * @param p a constant exponent
     * @return {@code this^p}, elementwise
     */
    public Tensor pow(double p) { return Pow.apply(this, p); }

    /**
     * @param other the right operand
     * @return {@code this @ other}: 2-D, batched with equal batch axes, or N-D times a 2-D matrix
     */
    public Tensor matmul(Tensor other) { return MatMul.apply(this, other, false, false); }
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
        return MatMul.apply(this, other, transposeThis, transposeOther);
    }

    /**
     * @param axes a permutation of the axes: the result's axis i is this tensor's axis {@code axes[i]}
     * @return the permuted tensor, copied into c order
     */
    public Tensor permute(int... axes) { return Permute.apply(this, axes); }
    /**
     * Swaps two axes.
     *
     * @param a one axis
     * @param b the other
     * @return the tensor with axes {@code a} and {@code b} exchanged
     */
    public Tensor transpose(int a, int b) { return Permute.swap(this, a, b); }
    /**
     * @param shape the new shape, of the same length; one size may be -1 (inferred)
     * @return the same elements in c order, viewed with another shape
     */
    public Tensor reshape(long... shape) { return Reshape.apply(this, shape); }
    /**
     * Elements {@code [from, to)} along {@code axis}, as a view.
     *
     * @param axis the axis to cut
     * @param from the first index kept, from 0
     * @param to   one past the last index kept, at most the axis's size and more than {@code from}
     * @return the slice
     */
    public Tensor slice(int axis, long from, long to) { return Slice.apply(this, axis, from, to); }
    /**
     * {@code parts} equal pieces along {@code axis} (the fused QKV projection splits into q, k, v).
     *
     * @param axis  the axis to cut
     * @param parts how many pieces; must divide the axis's size
     * @return the pieces, in order
     */
    public List<Tensor> split(int axis, int parts) { return Slice.split(this, axis, parts); }
    /**
     * Joins tensors along an axis.
     *
     * @param axis  the axis to join along
     * @param parts at least one tensor; all of one type and equal in every other axis
     * @return the joined tensor
     */
    public static Tensor concat(int axis, Tensor... parts) { return Concat.apply(axis, parts); }

    /** {@return the sum over all elements (a scalar)} */
    public Tensor sum() { return Sum.apply(this, false, false); }
    /**
     * Sum over the given axes.
     *
     * @param keepDims keep each reduced axis with size 1 (so the result broadcasts back against this)
     * @param axes     the axes to reduce; none means all
     * @return the sums
     */
    public Tensor sum(boolean keepDims, int... axes) { return Sum.apply(this, false, keepDims, axes); }
    /** {@return the mean over all elements (a scalar)} */
    public Tensor mean() { return Sum.apply(this, true, false); }
    /**
     * Mean over the given axes.
     *
     * @param keepDims keep each reduced axis with size 1
     * @param axes     the axes to reduce; none means all
     * @return the means
     */
    public Tensor mean(boolean keepDims, int... axes) { return Sum.apply(this, true, keepDims, axes); }

    /** {@return e^x, elementwise} */
    public Tensor exp() { return Exp.apply(this); }
    /** {@return the natural logarithm, elementwise} */
    public Tensor log() { return Log.apply(this); }
    /** {@return the square root, elementwise (a {@link #pow} with p = 1/2)} */
    public Tensor sqrt() { return Pow.apply(this, 0.5); }
    /** {@return 1 / sqrt(x), elementwise (a {@link #pow} with p = -1/2)} */
    public Tensor rsqrt() { return Pow.apply(this, -0.5); }
    /** {@return tanh, elementwise} */
    public Tensor tanh() { return Tanh.apply(this); }
    /** {@return GELU, the exact form x * Phi(x) with Phi the normal CDF} */
    public Tensor gelu() { return Gelu.apply(this, false); }
    /** {@return GELU, the tanh approximation used by GPT-2} */
    public Tensor geluTanh() { return Gelu.apply(this, true); }

    /** {@return the softmax over the last axis} */
    public Tensor softmax() { return Softmax.apply(this); }
    /** {@return the log-softmax over the last axis} */
    public Tensor logSoftmax() { return LogSoftmax.apply(this); }
    /** {@return these scores (..., T, T) with future positions (column j > row i) set to -infinity} */
    public Tensor causalMask() { return CausalMask.apply(this); }
    /**
     * Inverted dropout: each element kept with probability 1 - p and scaled by 1 / (1 - p), else zeroed.
     *
     * @param p        the drop probability, in [0, 1)
     * @param rng      draws the mask
     * @param training false makes this the identity (as does p == 0)
     * @return the masked tensor
     */
    public Tensor dropout(double p, Rng rng, boolean training) { return Dropout.apply(this, p, rng, training); }
    /**
     * Rows of this table (V, C) at integer ids of any shape S.
     *
     * @param ids token ids in [0, V), any shape S
     * @return the rows, of shape (S..., C)
     */
    public Tensor embedding(INDArray ids) { return Embedding.apply(this, ids); }
    /**
     * Mean cross-entropy of these logits (..., V) against integer targets (...); targets equal to
     * {@code ignoreIndex} count for nothing.
     *
     * @param targets     the right token id for each row of logits
     * @param ignoreIndex a target value that marks a row to skip (-1 by convention; padding, prompts)
     * @return the mean loss over the rows not ignored (0 when every row is ignored)
     */
    public Tensor crossEntropy(INDArray targets, int ignoreIndex) { return CrossEntropy.apply(this, targets, ignoreIndex); }

    /**
     * Layer normalization over the last axis: {@code (x - mean) / sqrt(var + eps) * g + b}.
     *
     * @param g   the gain, of shape (C)
     * @param b   the bias, of shape (C), or null for none
     * @param eps added to the variance
     * @return the normalized tensor
     */
    public Tensor layerNorm(Tensor g, Tensor b, double eps) { return LayerNormOp.apply(this, g, b, eps); }
    /**
     * RMS normalization over the last axis: {@code x / sqrt(mean(x^2) + eps) * g + b}.
     *
     * @param g   the gain, of shape (C)
     * @param b   the bias, of shape (C), or null for none
     * @param eps added to the mean square
     * @return the normalized tensor
     */
    public Tensor rmsNorm(Tensor g, Tensor b, double eps) { return RmsNormOp.apply(this, g, b, eps); }
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

    @Override
    public String toString() {
        String what = name != null ? name : (creator != null ? creator.name() : "leaf");
        return "Tensor[" + what + ", " + (released ? "released" : Shapes.str(value.shape()) + " " + value.dataType()) + "]";
    }
}
