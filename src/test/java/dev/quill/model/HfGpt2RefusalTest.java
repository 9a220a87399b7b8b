package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** What the Hugging Face GPT-2 reader refuses, each in one line naming the key or the tensor and file, and what it ignores. */
class HfGpt2RefusalTest {

    @TempDir
    Path tmp;

    /** A copy of a committed directory, its config.json changed by {@code edit}, its weights by {@code tensors}. */
    private Path variant(String from, Consumer<ObjectNode> edit, Consumer<Map<String, INDArray>> tensors) throws Exception {
        Path src = HfGpt2LoadTest.HF.resolve(from);
        Path dir = Files.createDirectories(tmp.resolve("d" + System.nanoTime()));
        ObjectNode cfg = (ObjectNode) ConfigJson.MAPPER.readTree(Files.readString(src.resolve("config.json")));
        edit.accept(cfg);
        Files.writeString(dir.resolve("config.json"), cfg.toString());
        Map<String, INDArray> t = new LinkedHashMap<>(Safetensors.read(src.resolve("model.safetensors")).tensors());
        tensors.accept(t);
        Safetensors.write(dir.resolve("model.safetensors"), t, Map.of("format", "pt"));
        return dir;
    }

    private static void refused(Path dir, String... parts) {
        assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContainingAll(parts).hasMessageNotContaining("\n");
    }

    @ParameterizedTest
    @CsvSource({
        "model_type, \"llama\"",
        "add_cross_attention, true",
        "scale_attn_weights, false",
        "scale_attn_by_inverse_layer_idx, true",
        "reorder_and_upcast_attn, true",
        "activation_function, \"relu\"",
        "n_inner, -3",
    })
    void refusesAConfigKey(String key, String json) throws Exception {
        Path dir = variant("tied_gelunew_prefixed", c -> c.set(key, readJson(json)), t -> { });
        refused(dir, key, "config.json");
        assertThatThrownBy(() -> Checkpoint.readConfig(dir)).isInstanceOf(BadInputException.class).hasMessageContaining(key);
    }

    private static com.fasterxml.jackson.databind.JsonNode readJson(String s) {
        try {
            return ConfigJson.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(s, e);
        }
    }

    @Test
    void ignoresKeysThatDoNotChangeTheLanguageModel() throws Exception {
        Path dir = variant("tied_gelunew_prefixed", c -> {
            c.put("pad_token_id", 99999).put("bos_token_id", 50256).put("eos_token_id", 50256);
            c.put("summary_type", "mean").put("resid_pdrop", 0.5).put("n_ctx", 7).put("use_cache", false);
        }, t -> { });
        assertThat(Checkpoint.load(dir).config()).isEqualTo(Checkpoint.readConfig(HfGpt2LoadTest.HF.resolve("tied_gelunew_prefixed")));
    }

    @Test
    void refusesAPickleAloneWithTheWayToSafetensors() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("bin"));
        Files.copy(HfGpt2LoadTest.HF.resolve("tied_gelunew_prefixed/config.json"), dir.resolve("config.json"));
        Files.write(dir.resolve("pytorch_model.bin"), new byte[] {1, 2, 3});
        refused(dir, "pytorch_model.bin", "save_pretrained", "safe_serialization=True");
    }

    @Test
    void refusesAMissingTensorNamingItAndTheFile() throws Exception {
        refused(variant("tied_gelunew_prefixed", c -> { }, t -> t.remove("transformer.h.1.mlp.c_fc.bias")),
                "transformer.h.1.mlp.c_fc.bias", "is missing", "model.safetensors");
    }

    @Test
    void refusesAnUntiedConfigWithoutAHead() throws Exception {
        refused(variant("tied_gelunew_prefixed", c -> c.put("tie_word_embeddings", false), t -> { }),
                "lm_head.weight", "missing");
    }

    @Test
    void aConfigClaimingMoreBlocksThanTheWeightsIsRefusedBeforeBuildingThem() throws Exception {
        // 65,536 blocks of a 32-wide GPT-2 pass the memory check (about 3.3 GB) and would all be built before the files
        // were matched against them
        Path dir = variant("tied_gelunew_prefixed", c -> c.put("n_layer", 65536), t -> { });
        long t0 = System.nanoTime();
        refused(dir, "model.safetensors: the weights hold 2 blocks (h.0 .. h.1) but config.json gives n_layer = 65536");
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5);
    }

    @Test
    void refusesAnExtraTensor() throws Exception {
        refused(variant("tied_gelunew_prefixed", c -> { }, t -> t.put("transformer.h.2.ln_1.weight", Nd4j.ones(DataType.FLOAT, 32))),
                "transformer.h.2.ln_1.weight", "model.safetensors");
    }

    @Test
    void refusesAConv1DWeightInLinearLayout() throws Exception {
        String name = "transformer.h.0.mlp.c_fc.weight";                  // (32, 128) in the file
        refused(variant("tied_gelunew_prefixed", c -> { }, t -> t.put(name, t.get(name).transpose().dup('c'))),
                name, "[128, 32]", "[32, 128]");
    }

    @Test
    void refusesANameTwiceWithAndWithoutPrefix() throws Exception {
        refused(variant("tied_gelunew_prefixed", c -> { }, t -> t.put("wte.weight", t.get("transformer.wte.weight"))),
                "wte.weight", "twice");
    }

    @Test
    void refusesIntegerWeights() throws Exception {
        refused(variant("tied_gelunew_prefixed", c -> { },
                t -> t.put("transformer.ln_f.bias", t.get("transformer.ln_f.bias").castTo(DataType.INT))),
                "transformer.ln_f.bias", "I32");
    }

    @Test
    void aTiedConfigIgnoresAStoredHead() throws Exception {
        Path dir = variant("tied_gelunew_prefixed", c -> { },
                t -> t.put("lm_head.weight", Nd4j.zeros(DataType.FLOAT, 320, 32)));
        Gpt m = Checkpoint.load(dir);
        assertThat(m.parameters()).doesNotContainKey("lm_head.weight");
        assertThat(m.parameters().get("transformer.wte.weight").value().sumNumber().doubleValue()).isNotZero();
    }

    @Test
    void refusesAShardIndexPointingOutsideTheDirectory() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("shards"));
        Path src = HfGpt2LoadTest.HF.resolve("untied_gelunew_sharded");
        for (String f : new String[] {"config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                Files.readString(src.resolve("model.safetensors.index.json")).replaceFirst("model-00002-of-00002", "../elsewhere"));
        refused(dir, "model.safetensors.index.json", "not a file in");
    }
}
