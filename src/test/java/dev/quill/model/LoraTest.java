package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quill.autograd.GradMode;
import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.config.BadInputException;
import dev.quill.config.LoraConfig;
import dev.quill.config.ModelConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Adapters on a whole GPT: what trains, what stays frozen, that they start at the base model, and merging. */
class LoraTest {

    /** 2 layers, C = 8, vocabulary 13, block 8; tied embeddings unless told otherwise. */
    static ModelConfig config(boolean tied) {
        return new ModelConfig(13, 8, 2, 2, 8, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-5,
                ModelConfig.Positions.LEARNED, tied, ModelConfig.Activation.GELU, 4);
    }

    static INDArray ids() {
        return Nd4j.createFromArray(new int[][] {{1, 2, 3, 12, 0, 7}, {4, 4, 4, 5, 6, 9}});
    }

    static INDArray targets() {
        return Nd4j.createFromArray(new int[][] {{2, 3, 12, 0, 7, 1}, {4, 4, 5, 6, 9, 3}});
    }

    /** Fills every B (and A) with random values, so the adapters change the output. */
    static void randomize(Gpt model, long seed) {
        Rng rng = new Rng(seed);
        Lora.adapters(model).values().forEach(l -> {
            for (Tensor t : List.of(l.loraA(), l.loraB())) {
                INDArray v = t.value();
                for (long i = 0; i < v.length(); i++) {
                    v.putScalar(i, 0.3 * rng.nextGaussian());
                }
            }
        });
    }

    static float[] logits(Gpt model, INDArray ids) {
        try (GradMode g = GradMode.off()) {
            return model.forward(ids).value().dup('c').data().asFloat();
        }
    }

    private static Map<String, INDArray> snapshot(Gpt model) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        model.parameters().forEach((n, p) -> out.put(n, p.value().dup()));
        return out;
    }

    @Test
    void onlyTheAdaptersAreTrainableAndTheBaseNamesDoNotChange() {
        Gpt base = new Gpt(config(true), 5);
        List<String> baseNames = List.copyOf(base.parameters().keySet());
        Gpt model = new Gpt(config(true), 5);
        Map<String, LoraLinear> adapters = Lora.apply(model, new LoraConfig(4, 8, 0, List.of("attn.c_attn", "attn.c_proj")), new Rng(1));
        assertThat(adapters.keySet()).containsExactly("transformer.h.0.attn.c_attn", "transformer.h.0.attn.c_proj",
                "transformer.h.1.attn.c_attn", "transformer.h.1.attn.c_proj");
        assertThat(model.trainableParameters().keySet()).containsExactly(
                "transformer.h.0.attn.c_attn.lora_A.weight", "transformer.h.0.attn.c_attn.lora_B.weight",
                "transformer.h.0.attn.c_proj.lora_A.weight", "transformer.h.0.attn.c_proj.lora_B.weight",
                "transformer.h.1.attn.c_attn.lora_A.weight", "transformer.h.1.attn.c_attn.lora_B.weight",
                "transformer.h.1.attn.c_proj.lora_A.weight", "transformer.h.1.attn.c_proj.lora_B.weight");
        // the base's names, in the base's order, with the adapters after the weights they adapt
        List<String> names = new ArrayList<>(model.parameters().keySet());
        names.removeIf(n -> n.contains(".lora_"));
        assertThat(names).isEqualTo(baseNames);
        assertThat(model.parameters()).doesNotContainKey("lm_head.weight"); // tied: one tensor, frozen
        assertThat(model.parameters().get("transformer.wte.weight").requiresGrad()).isFalse();
        // r (in + out) per adapter: c_attn 4 (8 + 24), c_proj 4 (8 + 8), two layers
        long adapterCount = 2 * (4 * (8 + 24) + 4 * (8 + 8));
        assertThat(model.parameterCount()).isEqualTo(base.parameterCount() + adapterCount);
        FineTuneFootprint f = FineTuneFootprint.of(model);
        assertThat(f.trainableParameters()).isEqualTo(adapterCount);
        assertThat(f.totalParameters()).isEqualTo(model.parameterCount());
        assertThat(f.bytes()).isEqualTo(4 * (model.parameterCount() + 3 * adapterCount));
        assertThat(f.fullFineTuneBytes()).isEqualTo(16 * model.parameterCount());
        assertThat(FineTuneFootprint.of(base).bytes()).isEqualTo(FineTuneFootprint.of(base).fullFineTuneBytes());
    }

    @Test
    void untiedHeadAndMlpTargets() {
        Gpt model = new Gpt(config(false), 5);
        Map<String, LoraLinear> adapters = Lora.apply(model, new LoraConfig(2, 2, 0, List.of("c_proj", "h.1.mlp.c_fc")), new Rng(1));
        assertThat(adapters.keySet()).containsExactly("transformer.h.0.attn.c_proj", "transformer.h.0.mlp.c_proj",
                "transformer.h.1.attn.c_proj", "transformer.h.1.mlp.c_fc", "transformer.h.1.mlp.c_proj");
        assertThat(model.parameters().get("lm_head.weight").requiresGrad()).isFalse();
        assertThat(model.trainableParameters()).hasSize(10).allSatisfy((n, p) -> assertThat(n).contains(".lora_"));
    }

    @Test
    void atInitTheLogitsAreTheBaseModelsBitForBit() {
        Gpt base = new Gpt(config(true), 5);
        base.train(false);
        Gpt model = new Gpt(config(true), 5);
        Lora.apply(model, new LoraConfig(4, 16, 0.1, List.of("c_attn", "c_proj", "c_fc")), new Rng(1));
        model.train(false);
        assertThat(logits(model, ids())).containsExactly(logits(base, ids()));
        // the loss too, in training mode with adapter dropout on (B = 0, so the dropped input changes nothing)
        base.train(true);
        model.train(true);
        assertThat(model.loss(ids(), targets()).item()).isEqualTo(base.loss(ids(), targets()).item());
    }

    @Test
    void mergedLogitsEqualUnmergedToFp32Rounding() {
        Gpt base = new Gpt(config(true), 5);
        base.train(false);
        Gpt model = new Gpt(config(true), 5);
        Lora.apply(model, new LoraConfig(4, 8, 0, List.of("c_attn", "c_proj", "c_fc")), new Rng(1));
        randomize(model, 2);
        model.train(false);
        float[] unmerged = logits(model, ids());
        assertThat(maxDiff(unmerged, logits(base, ids()))).as("the adapters matter").isGreaterThan(0.05);
        assertThat(Lora.merge(model)).isEqualTo(8); // c_attn, both c_proj, c_fc, in two blocks
        assertThat(model.hasAdapters()).isFalse();
        assertThat(model.parameters().keySet()).containsExactlyElementsOf(base.parameters().keySet());
        float[] merged = logits(model, ids());
        assertThat(maxDiff(merged, unmerged)).isLessThan(1e-5 * maxAbs(unmerged));
        assertThat(Lora.merge(model)).as("nothing left to merge").isZero();
    }

    @Test
    void plainStepsOnTheAdaptersLowerTheLossAndLeaveEveryBaseTensorBitwiseUnchanged() {
        Gpt model = new Gpt(config(true), 5);
        Lora.apply(model, new LoraConfig(4, 8, 0.1, List.of("c_attn", "c_proj", "c_fc")), new Rng(1));
        Map<String, INDArray> before = snapshot(model);
        Map<String, Tensor> trainable = model.trainableParameters();
        double first = Double.NaN;
        double last = Double.NaN;
        for (int step = 0; step < 8; step++) {
            model.zeroGrad();
            Tensor loss = model.loss(ids(), targets());
            loss.backward();
            last = loss.item();
            first = step == 0 ? last : first;
            model.parameters().forEach((n, p) -> {
                if (!trainable.containsKey(n)) {
                    assertThat(p.grad()).as("gradient of frozen %s", n).isNull();
                }
            });
            trainable.values().forEach(p -> p.value().subi(p.grad().mul(0.5)));   // SGD, lr 0.5
        }
        assertThat(last).isLessThan(first - 0.05);
        Map<String, INDArray> after = snapshot(model);
        before.forEach((n, v) -> {
            if (trainable.containsKey(n)) {
                assertThat(after.get(n).equalsWithEps(v, 0.0)).as("%s moved", n).isFalse();
            } else {
                assertThat(after.get(n).dup('c').data().asFloat()).as("%s unchanged", n).containsExactly(v.dup('c').data().asFloat());
            }
        });
    }

    @Test
    void singleTokenGenerationRunsTheAdaptersInsteadOfTheJavaRowPath() {
        Gpt base = new Gpt(config(true), 5);
        base.train(false);
        Gpt model = new Gpt(config(true), 5);
        model.train(false);
        assertThat(RowDecoder.applies(model, 1, 1, new KvCache(model.config(), 1, DataType.FLOAT))).as("the Java row path is on for a plain model").isTrue();
        Lora.apply(model, LoraConfig.defaults(), new Rng(1));
        randomize(model, 2);
        assertThat(RowDecoder.applies(model, 1, 1, new KvCache(model.config(), 1, DataType.FLOAT))).isFalse();
        assertThatThrownBy(() -> DecoderWeights.of(model, WeightFormat.F32)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("LoRA adapters");
        int[] seq = {3, 1, 4, 1, 5, 9};
        float[][] adapted = generateStepByStep(model, seq);
        float[][] plain = generateStepByStep(base, seq);
        for (int t = 0; t < seq.length; t++) {
            float[] full = lastLogits(model, seq, t);
            assertThat(maxDiff(adapted[t], full)).as("position %d", t).isLessThan(1e-5);
            assertThat(maxDiff(adapted[t], plain[t])).as("position %d differs from the base", t).isGreaterThan(1e-3);
        }
        // merged, the Java row path runs again and reads the merged weights
        Lora.merge(model);
        assertThat(RowDecoder.applies(model, 1, 1, new KvCache(model.config(), 1, DataType.FLOAT))).isTrue();
        float[][] merged = generateStepByStep(model, seq);
        for (int t = 0; t < seq.length; t++) {
            assertThat(maxDiff(merged[t], adapted[t])).as("merged, position %d", t).isLessThan(1e-5);
        }
    }

    private static float[][] generateStepByStep(Gpt model, int[] seq) {
        float[][] out = new float[seq.length][];
        try (GradMode g = GradMode.off()) {
            KvCache cache = new KvCache(model.config(), 1, DataType.FLOAT);
            for (int t = 0; t < seq.length; t++) {
                out[t] = model.forward(Nd4j.createFromArray(new int[][] {{seq[t]}}), cache).value().dup('c').data().asFloat();
            }
        }
        return out;
    }

    private static float[] lastLogits(Gpt model, int[] seq, int t) {
        int[] prefix = java.util.Arrays.copyOf(seq, t + 1);
        try (GradMode g = GradMode.off()) {
            INDArray all = model.forward(Nd4j.createFromArray(new int[][] {prefix})).value();
            return all.get(NDArrayIndex.all(), NDArrayIndex.point(t), NDArrayIndex.all()).dup('c').data().asFloat();
        }
    }

    @Test
    void badTargetsAndASecondApplyFailClearly() {
        Gpt model = new Gpt(config(false), 5);
        assertThatThrownBy(() -> Lora.apply(model, new LoraConfig(2, 2, 0, List.of("c_attn", "lm_head")), new Rng(1)))
                .isInstanceOf(BadInputException.class)
                .hasMessage("lora.targets: \"lm_head\" matches no projection of this model; LoRA wraps attn.c_attn, "
                        + "attn.c_proj, mlp.c_fc, mlp.c_proj in each block transformer.h.0 .. transformer.h.1");
        assertThatThrownBy(() -> Lora.apply(model, new LoraConfig(2, 2, 0, List.of("h.2.attn.c_attn")), new Rng(1)))
                .hasMessageStartingWith("lora.targets: \"h.2.attn.c_attn\" matches no projection");
        assertThat(model.hasAdapters()).isFalse();
        assertThat(model.trainableParameters()).hasSameSizeAs(model.parameters()); // nothing frozen by a failed apply
        Lora.apply(model, LoraConfig.defaults(), new Rng(1));
        assertThatThrownBy(() -> Lora.apply(model, LoraConfig.defaults(), new Rng(1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already has adapters");
    }

    @Test
    void footprintLine() {
        assertThat(new FineTuneFootprint(1_000_000, 20_000, 4).describe()).isEqualTo("trainable parameters: 20,000 of "
                + "1,000,000 (2.00%); weights + grads + AdamW moments: 4.2 MB vs 16.0 MB for full fine-tuning");
    }

    static double maxDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
