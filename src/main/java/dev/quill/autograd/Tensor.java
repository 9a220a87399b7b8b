package dev.quill.autograd;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A value in the computation graph: an ND4J array, the gradient of the loss with respect to it (after
 * {@link #backward()}), and the op that made it. Leaves are inputs and parameters; every other tensor
 * knows its {@link Function}, and through it its inputs, so {@code loss.backward()} can walk the graph
 * from the loss back to the leaves (reverse-mode automatic differentiation): {@link Backward} runs that
 * pass, and each tensor's {@link Gradient} accumulates what the ops send back.
 *
 * <p>Ops are methods ({@code x.matmul(w).add(b).gelu()}), listed in {@link TensorOps}; each is a small class in
 * this package with its forward and backward side by side. Shapes in comments use B batch, T time, C channels,
 * V vocab.
 */
public final class Tensor extends TensorOps {

    private final INDArray value;
    private boolean requiresGrad; // fixed for op results; a leaf's can be switched (freezing)
    private final Function creator;
    private final MemoryScope scope;
    private final Gradient grad = new Gradient(this);
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
        return grad.read();
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
            grad.clear();
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
        grad.markZero();
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
            grad.close();                                       // unless shared, or a view (the GC frees those)
            if (!value.wasClosed() && !value.isView()) {
                value.close();
            }
        }
        grad.forget();
    }

    void checkUsable() {
        if (released) {
            throw new IllegalStateException(describe() + " was released and cannot be used");
        }
        if (scope != null && !scope.isOpen()) {
            throw new IllegalStateException(describe() + " lived in memory scope '" + scope.name()
                    + "', which has closed; keep what must outlive a step outside the scope"
                    + " (MemoryScope.outside) or copy it out before the scope ends");
        }
    }

    String describe() {
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
        Backward.run(this, v.ulike().assign(1.0));
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
        Backward.run(this, seed.dup('c')); // a copy: the caller may change its array after this call
    }

    /** {@return this tensor's gradient accumulator, for {@link Backward} and {@link Function}} */
    Gradient gradient() {
        return grad;
    }

    /** {@return the array without the usability check (the gradient's shape checks)} */
    INDArray array() {
        return value;
    }

    /** {@return true when this tensor lives outside every memory scope (a parameter)} */
    boolean outsideScopes() {
        return scope == null;
    }

    /** {@return true after {@link #retainGrad}: backward keeps this intermediate's gradient} */
    boolean retainsGrad() {
        return retainGrad;
    }

    @Override
    public String toString() {
        String what = name != null ? name : (creator != null ? creator.name() : "leaf");
        return "Tensor[" + what + ", " + (released ? "released" : Shapes.str(value.shape()) + " " + value.dataType()) + "]";
    }
}
