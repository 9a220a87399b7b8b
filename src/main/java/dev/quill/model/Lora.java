package dev.quill.model;

import dev.quill.autograd.MemoryScope;
import dev.quill.autograd.Rng;
import dev.quill.config.BadInputException;
import dev.quill.config.LoraConfig;
import java.util.LinkedHashMap;
import java.util.TreeSet;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Installs low-rank adapters on a {@link Gpt}, finds them, and merges them back into the weights.
 * <pre>
 *   apply:  freeze every parameter; each targeted projection (a Linear) becomes a LoraLinear over the same
 *           tensors, whose A and B are the only trainable parameters left
 *   merge:  W += (alpha / r) B A, then each LoraLinear gives its place back to the Linear it wraps
 * </pre>
 * The projections LoRA can wrap are the four of every block: {@code attn.c_attn}, {@code attn.c_proj},
 * {@code mlp.c_fc}, {@code mlp.c_proj}. Embeddings, norms and the language-model head stay frozen as they are
 * (the head is the embedding itself when tied). A model with adapters lists them in
 * {@link Module#parameters()} after the weights they adapt ({@code transformer.h.0.attn.c_attn.lora_A.weight});
 * its {@link Module#trainableParameters()} are the adapters alone. {@link LoraCheckpoint} saves and loads them.
 */
public final class Lora {

    private Lora() {
    }

    /**
     * The projections of {@code model} that {@code config}'s targets select, without changing anything.
     *
     * @param model  the model to search; only the four projections of each block can be selected
     * @param config its {@link LoraConfig#targets()} choose the projections
     * @return the selected projections by module path ({@code transformer.h.0.attn.c_attn}), in model order
     * @throws BadInputException when a target selects nothing (a typo, or a module LoRA cannot wrap); the
     *                           message lists the projections that can be wrapped
     */
    public static Map<String, Projection> targets(Gpt model, LoraConfig config) {
        Map<String, Projection> all = projections(model);
        Map<String, Projection> out = new LinkedHashMap<>();
        all.forEach((path, p) -> {
            if (config.matches(path)) {
                out.put(path, p);
            }
        });
        for (String t : config.targets()) {
            if (all.keySet().stream().noneMatch(path -> LoraConfig.targetMatches(t, path))) {
                var kinds = new TreeSet<String>();
                all.keySet().forEach(path -> kinds.add(path.replaceFirst("^.*\\.(\\w+\\.\\w+)$", "$1")));
                throw new BadInputException("lora.targets: \"" + t + "\" matches no projection of this model; LoRA wraps "
                        + String.join(", ", kinds) + " in each block transformer.h.0 .. transformer.h."
                        + (model.config().nLayer() - 1));
            }
        }
        return out;
    }

    /**
     * Freezes the whole model and wraps every targeted projection in a {@link LoraLinear} over the same
     * tensors: A drawn from {@code initRng}, B zero, so the model computes exactly what it computed before.
     * Dropout masks come from the model's own generator.
     *
     * @param model   the model to adapt, changed in place
     * @param config  rank, alpha, dropout and targets of the adapters
     * @param initRng draws the initial A of each adapter (Kaiming-uniform, as PEFT), in model order
     * @return the new adapters by module path, in model order
     * @throws IllegalStateException if the model already has adapters
     * @throws BadInputException if a target selects no projection
     */
    public static Map<String, LoraLinear> apply(Gpt model, LoraConfig config, Rng initRng) {
        if (!adapters(model).isEmpty()) {
            throw new IllegalStateException("Lora.apply: the model already has adapters; merge them first or start from the base model");
        }
        Map<String, Projection> chosen = targets(model, config);
        Map<String, Module> modules = model.modules();
        model.freeze();
        Map<String, LoraLinear> out = new LinkedHashMap<>();
        chosen.forEach((path, p) -> {
            LoraLinear lora = new LoraLinear((Linear) p, config, initRng, model.rng());
            replace(modules, path, lora);
            out.put(path, lora);
        });
        return out;
    }

    /**
     * Finds the adapters installed in a model.
     *
     * @param model the model (or any module) to search
     * @return its adapters by module path, in model order; empty for a plain model
     */
    public static Map<String, LoraLinear> adapters(Module model) {
        Map<String, LoraLinear> out = new LinkedHashMap<>();
        model.modules().forEach((path, m) -> {
            if (m instanceof LoraLinear l) {
                out.put(path, l);
            }
        });
        return out;
    }

    /**
     * Adds each adapter's update into its base weight, W += (alpha / r) B A, and puts the base Linear back
     * in its place: the model is a plain GPT again, with nanoGPT's parameter names only, ready for
     * {@link Checkpoint#save}. Its parameters stay frozen ({@link Module#unfreeze()} to train them all).
     *
     * @param model the model, changed in place; a plain model is left as it is
     * @return the number of adapters merged (0 for a plain model)
     */
    public static int merge(Gpt model) {
        Map<String, LoraLinear> adapters = adapters(model);
        Map<String, Module> modules = model.modules();
        adapters.forEach((path, lora) -> {
            INDArray w = lora.weight().value();                                          // (out, in)
            INDArray a = lora.loraA().value();                                           // (r, in)
            INDArray b = lora.loraB().value();                                           // (out, r)
            double scale = lora.config().scale();
            MemoryScope.outside(() -> w.addi(Nd4j.gemm(b, a, false, false).muli(scale))); // (out, r) @ (r, in)
            replace(modules, path, lora.base());
        });
        return adapters.size();
    }

    /** The projections LoRA can wrap: the Linears directly under a block's attention and MLP. */
    private static Map<String, Projection> projections(Gpt model) {
        Map<String, Projection> out = new LinkedHashMap<>();
        Map<String, Module> modules = model.modules();
        modules.forEach((path, m) -> {
            Module parent = modules.get(parentPath(path));
            if (m instanceof Linear l && (parent instanceof CausalSelfAttention || parent instanceof Mlp)) {
                out.put(path, l);
            }
        });
        return out;
    }

    private static void replace(Map<String, Module> modules, String path, Projection p) {
        Module parent = modules.get(parentPath(path));
        String name = path.substring(path.lastIndexOf('.') + 1);
        if (parent instanceof CausalSelfAttention attn) {
            attn.replace(name, p);
        } else if (parent instanceof Mlp mlp) {
            mlp.replace(name, p);
        } else {
            throw new IllegalStateException("Lora: " + path + " is not a projection of attention or the MLP");
        }
    }

    private static String parentPath(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "" : path.substring(0, dot);
    }
}
