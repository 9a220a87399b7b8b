package dev.quill.model;

import static dev.quill.model.LoraTest.config;
import static dev.quill.model.LoraTest.ids;
import static dev.quill.model.LoraTest.logits;
import static dev.quill.model.LoraTest.randomize;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.autograd.Rng;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.LoraConfig;
import dev.quill.config.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Adapter directories in PEFT's layout: names, shapes, config keys, a bitwise round trip, and clear failures. */
class LoraCheckpointTest {

    private static final LoraConfig CFG = new LoraConfig(4, 8, 0.05, List.of("attn.c_attn", "attn.c_proj"));

    /** A base model (seed 5) with adapters whose A and B are random. */
    private static Gpt adapted(ModelConfig c, LoraConfig lora) {
        Gpt model = new Gpt(c, 5);
        Lora.apply(model, lora, new Rng(1));
        randomize(model, 2);
        model.train(false);
        return model;
    }

    @Test
    void savedThenLoadedOntoAFreshBaseGivesBitIdenticalAdaptersAndLogits(@TempDir Path dir) throws Exception {
        Gpt model = adapted(config(true), CFG);
        LoraCheckpoint.save(dir, model, "out/base/last");
        Gpt other = new Gpt(config(true), 5);
        LoraCheckpoint.Info info = LoraCheckpoint.load(dir, other);
        other.train(false);
        assertThat(info.config()).isEqualTo(CFG);
        assertThat(info.baseModel()).isEqualTo("out/base/last");
        assertThat(other.trainableParameters().keySet()).containsExactlyElementsOf(model.trainableParameters().keySet());
        model.trainableParameters().forEach((name, p) -> assertThat(other.parameters().get(name).value().data().asFloat())
                .as(name).containsExactly(p.value().data().asFloat()));
        assertThat(logits(other, ids())).containsExactly(logits(model, ids()));
        assertThat(other.parameters().get("transformer.wte.weight").requiresGrad()).as("loaded frozen").isFalse();
        // PEFT's own file name is read too
        java.nio.file.Files.move(dir.resolve("adapter.safetensors"), dir.resolve("adapter_model.safetensors"));
        Gpt third = new Gpt(config(true), 5);
        LoraCheckpoint.load(dir, third);
        third.train(false);
        assertThat(logits(third, ids())).containsExactly(logits(model, ids()));
    }

    @Test
    void tensorNamesAndShapesAreThoseOfAPeftAdapter(@TempDir Path dir) throws Exception {
        LoraCheckpoint.save(dir, adapted(config(true), CFG), null);
        assertThat(dir.resolve("adapter.safetensors")).isRegularFile();
        Safetensors.Contents file = Safetensors.read(dir.resolve("adapter.safetensors"));
        // C = 8, r = 4: c_attn is (24, 8), attn.c_proj (8, 8); A is (r, in), B (out, r)
        Map<String, List<Long>> want = new LinkedHashMap<>();
        for (int layer = 0; layer < 2; layer++) {
            String h = "base_model.model.transformer.h." + layer + ".attn.";
            want.put(h + "c_attn.lora_A.weight", List.of(4L, 8L));
            want.put(h + "c_attn.lora_B.weight", List.of(24L, 4L));
            want.put(h + "c_proj.lora_A.weight", List.of(4L, 8L));
            want.put(h + "c_proj.lora_B.weight", List.of(8L, 4L));
        }
        Map<String, List<Long>> got = new LinkedHashMap<>();
        file.tensors().forEach((name, a) -> {
            List<Long> shape = new ArrayList<>();
            for (long d : a.shape()) {
                shape.add(d);
            }
            got.put(name, shape);
            assertThat(a.dataType()).isEqualTo(org.nd4j.linalg.api.buffer.DataType.FLOAT);
        });
        assertThat(got).containsExactlyEntriesOf(want);
        assertThat(file.metadata()).containsEntry("format", "pt");

        JsonNode cfg = ConfigJson.MAPPER.readTree(Files.readString(dir.resolve("adapter_config.json")));
        assertThat(cfg.get("peft_type").asText()).isEqualTo("LORA");
        assertThat(cfg.get("r").intValue()).isEqualTo(4);
        assertThat(cfg.get("lora_alpha").isInt()).isTrue();
        assertThat(cfg.get("lora_alpha").intValue()).isEqualTo(8);
        assertThat(cfg.get("lora_dropout").doubleValue()).isEqualTo(0.05);
        assertThat(cfg.get("target_modules").toString()).isEqualTo("[\"attn.c_attn\",\"attn.c_proj\"]");
        assertThat(cfg.get("base_model_name_or_path").isNull()).isTrue();
        assertThat(cfg.get("bias").asText()).isEqualTo("none");
        assertThat(cfg.get("fan_in_fan_out").booleanValue()).isFalse();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted())
                    .as("no temporary files left").containsExactly("adapter.safetensors", "adapter_config.json");
        }
    }

    @Test
    void aMissingOrExtraTensorFailsNamingItAndLeavesTheModelAlone(@TempDir Path dir) throws Exception {
        LoraCheckpoint.save(dir, adapted(config(true), CFG), null);
        Path weights = dir.resolve("adapter.safetensors");
        Map<String, INDArray> good = Safetensors.read(weights).tensors();

        Map<String, INDArray> missing = new LinkedHashMap<>(good);
        missing.remove("base_model.model.transformer.h.1.attn.c_proj.lora_B.weight");
        Safetensors.write(weights, missing, Map.of());
        Gpt base = new Gpt(config(true), 5);
        assertThatThrownBy(() -> LoraCheckpoint.load(dir, base)).isInstanceOf(BadInputException.class)
                .hasMessage(weights + ": tensor base_model.model.transformer.h.1.attn.c_proj.lora_B.weight is missing "
                        + "(adapter_config.json targets its module)");
        assertThat(base.hasAdapters()).isFalse();
        assertThat(base.trainableParameters()).hasSameSizeAs(base.parameters());

        Map<String, INDArray> extra = new LinkedHashMap<>(good);
        extra.put("base_model.model.transformer.h.0.mlp.c_fc.lora_A.weight", good.values().iterator().next());
        Safetensors.write(weights, extra, Map.of());
        assertThatThrownBy(() -> LoraCheckpoint.load(dir, base))
                .hasMessage(weights + ": tensor base_model.model.transformer.h.0.mlp.c_fc.lora_A.weight is not an adapter "
                        + "of a projection that adapter_config.json targets [attn.c_attn, attn.c_proj] in this model");
        assertThat(base.hasAdapters()).isFalse();
    }

    @Test
    void aWrongRankOrAnotherBaseShapeFailsNamingTheTensor(@TempDir Path dir) throws Exception {
        LoraCheckpoint.save(dir, adapted(config(true), CFG), null);
        // the config says r = 2, the tensors are rank 4
        ObjectNode cfg = (ObjectNode) ConfigJson.MAPPER.readTree(Files.readString(dir.resolve("adapter_config.json")));
        Files.writeString(dir.resolve("adapter_config.json"), cfg.put("r", 2).toString());
        Path weights = dir.resolve("adapter.safetensors");
        assertThatThrownBy(() -> LoraCheckpoint.load(dir, new Gpt(config(true), 5)))
                .hasMessage(weights + ": tensor base_model.model.transformer.h.0.attn.c_attn.lora_A.weight has rank 4 "
                        + "(shape [4, 8]) but adapter_config.json gives r = 2");
        Files.writeString(dir.resolve("adapter_config.json"), cfg.put("r", 4).toString());
        // a base model 16 wide
        ModelConfig wide = new ModelConfig(13, 8, 2, 2, 16, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-5,
                ModelConfig.Positions.LEARNED, true, ModelConfig.Activation.GELU, 4);
        assertThatThrownBy(() -> LoraCheckpoint.load(dir, new Gpt(wide, 5)))
                .hasMessage(weights + ": tensor base_model.model.transformer.h.0.attn.c_attn.lora_A.weight has shape [4, 8] "
                        + "but this model needs [4, 16] (is the adapter for another base model?)");
    }

    @Test
    void badAdapterConfigsFailClearly(@TempDir Path dir) throws Exception {
        Gpt base = new Gpt(config(true), 5);
        assertThatThrownBy(() -> LoraCheckpoint.load(dir, base))
                .hasMessage("not a LoRA adapter: " + dir.resolve("adapter_config.json") + " is missing");
        LoraCheckpoint.save(dir, adapted(config(true), CFG), null);
        Path file = dir.resolve("adapter_config.json");
        ObjectNode good = (ObjectNode) ConfigJson.MAPPER.readTree(Files.readString(file));
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"peft_type\": \"PREFIX_TUNING\"}", "peft_type is \"PREFIX_TUNING\"; Quill loads \"LORA\" adapters");
        cases.put("{\"r\": 0}", "adapter_config.r = 0: must be at least 1");
        cases.put("{\"lora_alpha\": \"big\"}", "adapter_config.lora_alpha must be a number, got \"big\"");
        cases.put("{\"use_rslora\": true}", "use_rslora is true; Quill supports plain LoRA only");
        cases.put("{\"bias\": \"all\"}", "bias is \"all\"; Quill supports adapters without biases (\"none\")");
        cases.put("{\"target_modules\": \".*c_attn\"}", "target_modules is one string, which PEFT reads as a regular "
                + "expression; Quill reads a list of module names");
        cases.put("{\"target_modules\": [\"lm_head\"]}", "lora.targets: \"lm_head\" matches no projection of this model; "
                + "LoRA wraps attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj in each block transformer.h.0 .. transformer.h.1");
        for (var c : cases.entrySet()) {
            ObjectNode bad = good.deepCopy();
            bad.setAll((ObjectNode) ConfigJson.MAPPER.readTree(c.getKey()));
            Files.writeString(file, bad.toString());
            assertThatThrownBy(() -> LoraCheckpoint.load(dir, base)).as(c.getKey()).isInstanceOf(BadInputException.class)
                    .hasMessage(file + ": " + c.getValue());
        }
        ObjectNode noRank = good.deepCopy();
        noRank.remove("r");
        Files.writeString(file, noRank.toString());
        assertThatThrownBy(() -> LoraCheckpoint.load(dir, base)).hasMessage(file + ": key r is missing");
        assertThat(base.hasAdapters()).isFalse();
    }

    @Test
    void savingAModelWithoutAdaptersOrLoadingOntoAnAdaptedOneIsRefused(@TempDir Path dir) throws Exception {
        assertThatThrownBy(() -> LoraCheckpoint.save(dir, new Gpt(config(true), 5), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no adapters");
        Gpt model = adapted(config(true), CFG);
        LoraCheckpoint.save(dir, model, null);
        assertThatThrownBy(() -> LoraCheckpoint.load(dir, model)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already has adapters");
    }
}
