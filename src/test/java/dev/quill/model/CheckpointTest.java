package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quill.autograd.GradMode;
import dev.quill.autograd.Rng;
import dev.quill.config.BadInputException;
import dev.quill.config.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class CheckpointTest {

    private static final ModelConfig CFG = new ModelConfig(13, 8, 2, 2, 8, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-5,
            ModelConfig.Positions.LEARNED, false, ModelConfig.Activation.GELU, 4);

    private static INDArray ids() {
        return Nd4j.createFromArray(new int[][] {{1, 2, 3, 12, 0}, {4, 4, 4, 5, 6}});
    }

    @Test
    void aConfigClaimingMoreBlocksThanTheWeightsIsRefusedBeforeBuildingThem(@TempDir Path dir) throws Exception {
        Checkpoint.save(dir, new Gpt(CFG, 3));
        String cfg = Files.readString(dir.resolve(Checkpoint.CONFIG));
        Files.writeString(dir.resolve(Checkpoint.CONFIG), cfg.replaceFirst("\"n_layer\" : 2", "\"n_layer\" : 65536"));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(BadInputException.class)
                .hasMessage(dir.resolve(Checkpoint.WEIGHTS) + ": the weights hold 2 blocks (h.0 .. h.1) but config.json gives "
                        + "n_layer = 65536");
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(5);
    }

    @Test
    void writtenAndReadBackGivesBitIdenticalLogits(@TempDir Path dir) throws Exception {
        Gpt model = new Gpt(CFG, 5);
        model.train(false);
        Checkpoint.save(dir, model);
        Gpt loaded = Checkpoint.load(dir);
        try (GradMode g = GradMode.off()) {
            INDArray a = model.forward(ids()).value();
            INDArray b = loaded.forward(ids()).value();
            assertThat(b.equals(a)).isTrue();
            assertThat(a.sub(b).amaxNumber().doubleValue()).isZero();
        }
        assertThat(Files.readString(dir.resolve("config.json"))).contains("\"format_version\" : 1", "\"n_embd\" : 8");
        assertThat(Safetensors.read(dir.resolve("model.safetensors")).tensors())
                .containsKeys("transformer.wte.weight", "transformer.wpe.weight", "lm_head.weight",
                        "transformer.h.1.mlp.c_proj.bias", "transformer.ln_f.bias");
    }

    @Test
    void aMismatchedConfigFailsNamingTheTensor(@TempDir Path dir) throws Exception {
        Checkpoint.save(dir, new Gpt(CFG, 5));
        // same file, but config.json now says 16 channels
        String cfg = Files.readString(dir.resolve("config.json")).replace("\"n_embd\" : 8", "\"n_embd\" : 16");
        Files.writeString(dir.resolve("config.json"), cfg);
        assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("transformer.wte.weight has shape [13, 8] but the config gives [13, 16]");
    }

    @Test
    void tiedConfigRejectsAFileWithAnLmHead(@TempDir Path dir) throws Exception {
        Checkpoint.save(dir, new Gpt(CFG, 5));
        String cfg = Files.readString(dir.resolve("config.json")).replace("\"tie_embeddings\" : false", "\"tie_embeddings\" : true");
        Files.writeString(dir.resolve("config.json"), cfg);
        assertThatThrownBy(() -> Checkpoint.load(dir)).hasMessageContaining("lm_head.weight is not a parameter")
                .hasMessageContaining("tie_embeddings: false");
    }

    @Test
    void missingTensorAndMissingFilesAndNewerFormatFailClearly(@TempDir Path dir) throws Exception {
        Gpt model = new Gpt(CFG, 5);
        Checkpoint.save(dir, model);
        Map<String, INDArray> state = new LinkedHashMap<>(Safetensors.read(dir.resolve("model.safetensors")).tensors());
        state.remove("transformer.h.0.attn.c_attn.weight");
        Safetensors.write(dir.resolve("model.safetensors"), state, Map.of());
        assertThatThrownBy(() -> Checkpoint.load(dir)).hasMessageContaining("tensor transformer.h.0.attn.c_attn.weight is missing");

        Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                .replace("\"format_version\" : 1", "\"format_version\" : 7"));
        assertThatThrownBy(() -> Checkpoint.readConfig(dir)).hasMessageContaining("format_version 7 is newer");
        assertThatThrownBy(() -> Checkpoint.load(dir.resolve("nowhere"))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("config.json is missing");
    }

    @Test
    void aFileWrittenByPyTorchDroppedIntoACheckpointLoads(@TempDir Path dir) throws Exception {
        // the reference fixture was written by the Python side; its weights replace ours by hand
        GptParityTest.Fixture f = GptParityTest.Fixture.load("layernorm_untied");
        Gpt model = new Gpt(f.config(), new Rng(1), DataType.FLOAT);
        Checkpoint.save(dir, model);
        Files.copy(Path.of("src/test/resources/reference/layernorm_untied.safetensors"), dir.resolve("model.safetensors"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        // the fixture also holds inputs and gradients, which are not parameters: strict loading refuses them
        assertThatThrownBy(() -> Checkpoint.load(dir)).hasMessageContaining("is not a parameter of this model");
        Map<String, INDArray> weightsOnly = new LinkedHashMap<>();
        f.tensors().forEach((k, v) -> {
            if (model.parameters().containsKey(k)) {
                weightsOnly.put(k, v);
            }
        });
        Safetensors.write(dir.resolve("model.safetensors"), weightsOnly, Map.of());
        Gpt loaded = Checkpoint.load(dir);
        try (GradMode g = GradMode.off()) {
            INDArray logits = loaded.forward(f.tensors().get("input.idx")).value();
            assertThat(GptParityTest.maxAbs(logits, f.tensors().get("output.logits"))).isLessThan(2e-5);
        }
    }
}
