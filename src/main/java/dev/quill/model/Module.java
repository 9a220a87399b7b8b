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

    /** {@return true in training mode (the default), false in evaluation mode} */
    public boolean isTraining() {
        return training;
    }

    /** Zeroes every parameter's gradient. */
    public void zeroGrad() {
        parameters().values().forEach(Tensor::zeroGrad);
    }
}
