package dev.quill.model;

import dev.quill.autograd.Tensor;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A piece of a network: named parameters, named child modules, and a training flag. Names compose with
 * dots, so the GPT's parameters carry the keys of a GPT-2 checkpoint ({@code transformer.h.0.attn.c_attn.weight}).
 */
public abstract class Module {

    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /**
     * Registers a parameter under a local name.
     *
     * @param name the local name ({@code weight}); the full name prefixes the parents' names
     * @param p    the parameter
     * @return {@code p}
     */
    protected final Tensor param(String name, Tensor p) {
        params.put(name, p);
        return p;
    }

    /**
     * Registers a child module under a local name.
     *
     * @param <M>  the child's type
     * @param name the local name ({@code attn}, {@code c_fc})
     * @param m    the child
     * @return {@code m}
     */
    protected final <M extends Module> M child(String name, M m) {
        children.put(name, m);
        return m;
    }

    /**
     * Swaps the child registered under {@code name} for {@code m}, keeping its place in the order (and so
     * the order of {@link #parameters()}). For a module that also keeps the child in a field, such as the
     * projections that {@link Lora} wraps.
     *
     * @param <M>  the new child's type
     * @param name the local name of an existing child ({@code c_attn})
     * @param m    the module to put in its place
     * @return {@code m}
     * @throws IllegalArgumentException when no child is registered under {@code name}
     */
    protected final <M extends Module> M replaceChild(String name, M m) {
        if (!children.containsKey(name)) {
            throw new IllegalArgumentException("replaceChild: no child named " + name + " (children: " + children.keySet() + ")");
        }
        children.put(name, m);
        return m;
    }

    /**
     * Every parameter under its full dotted name, depth-first in registration order. A tensor shared by two
     * modules (a tied embedding) appears once, under its first name.
     *
     * @return a new map from full names ({@code transformer.h.0.ln_1.weight}) to parameters
     */
    public Map<String, Tensor> parameters() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collect("", out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private void collect(String prefix, Map<String, Tensor> out, Set<Tensor> seen) {
        params.forEach((name, p) -> {
            if (seen.add(p)) {
                out.put(prefix + name, p);
            }
        });
        children.forEach((name, m) -> m.collect(prefix + name + ".", out, seen));
    }

    /**
     * The parameters that want a gradient: {@link #parameters()} without the frozen ones, same names and
     * order. This is what an optimizer should update; after {@link Lora#apply} it is the adapters only.
     *
     * @return a new map from full names to the parameters that require a gradient
     */
    public Map<String, Tensor> trainableParameters() {
        Map<String, Tensor> out = parameters();
        out.values().removeIf(p -> !p.requiresGrad());
        return out;
    }

    /**
     * Freezes every parameter below this module ({@link Tensor#requiresGrad(boolean)} false): they still
     * take part in the forward, but get no gradient and drop out of {@link #trainableParameters()}.
     */
    public void freeze() {
        parameters().values().forEach(p -> p.requiresGrad(false));
    }

    /** Undoes {@link #freeze()}: every parameter below this module wants a gradient again. */
    public void unfreeze() {
        parameters().values().forEach(p -> p.requiresGrad(true));
    }

    /**
     * This module and every module below it under its dotted path ({@code ""} for this one,
     * {@code transformer.h.0.attn.c_attn}, ...), depth-first in registration order, like PyTorch's
     * {@code named_modules}. The paths are the parameter names without their last part.
     *
     * @return a new map from dotted paths to modules, this module first under {@code ""}
     */
    public Map<String, Module> modules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", this, out);
        return out;
    }

    private static void collectModules(String path, Module m, Map<String, Module> out) {
        out.put(path, m);
        m.children.forEach((name, c) -> collectModules(path.isEmpty() ? name : path + "." + name, c, out));
    }

    /** {@return the total number of parameter elements (a shared tensor counted once)} */
    public long parameterCount() {
        return parameters().values().stream().mapToLong(p -> p.value().length()).sum();
    }

    /**
     * Sets training mode (dropout active) or evaluation mode, for this module and all below it.
     *
     * @param on true for training, false for evaluation
     */
    public void train(boolean on) {
        training = on;
        children.values().forEach(c -> c.train(on));
    }

    /** {@return true in training mode, false in evaluation mode (see {@link #train(boolean)})} */
    public boolean isTraining() {
        return training;
    }

    /** Zeroes every parameter's gradient (walking the tree: no names built, as {@link #parameters()} does). */
    public void zeroGrad() {
        params.values().forEach(Tensor::zeroGrad);            // a tensor shared by two modules is zeroed twice, harmlessly
        children.values().forEach(Module::zeroGrad);
    }
}
