package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quill.autograd.GradMode;
import dev.quill.autograd.Rng;
import dev.quill.config.BadInputException;
import dev.quill.config.LoraConfig;
import dev.quill.config.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Quill -> Hugging Face GPT-2: the export of each {@link HfExportFixtures} model is byte for byte the
 * committed directory, whose logits under transformers (tools/reference/hf_export_check.py) are Quill's;
 * a GPT-2-shaped model survives Quill -> HF -> Quill bit for bit; what GPT-2 cannot express is refused.
 */
class HfGpt2ExportTest {

    static final Path EXPORT = HfGpt2LoadTest.HF.resolve("export");

    @ParameterizedTest
    @ValueSource(strings = {"layernorm_untied_nobias", "sinusoidal_tied_oddmlp"})
    void exportIsTheCommittedDirectoryAndTransformersAgrees(String name, @TempDir Path tmp) throws Exception {
        Gpt model = HfExportFixtures.model(name);
        Path out = tmp.resolve(name);
        HfGpt2Export.write(model, out);
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            byte[] want = Files.readAllBytes(EXPORT.resolve(name).resolve(f));
            assertThat(java.util.Arrays.mismatch(Files.readAllBytes(out.resolve(f)), want)).as(f + ": first byte that differs").isEqualTo(-1);
        }
        try (var dir = Files.list(out)) {
            assertThat(dir.count()).isEqualTo(2);
        }

        Map<String, INDArray> golden = Safetensors.read(HfGpt2LoadTest.HF.resolve("golden/export_" + name + ".safetensors")).tensors();
        model.train(false);
        try (GradMode g = GradMode.off()) {
            INDArray logits = model.forward(golden.get("input.ids")).value();           // (2, T, V)
            double err = Nd4j.math().abs(logits.sub(golden.get("output.logits"))).maxNumber().doubleValue();
            assertThat(err).as("max |Quill - transformers on the export|").isLessThan(1e-4);
            // and the export, read back, computes what the model does (biases zero, sinusoids as a table)
            Gpt back = Checkpoint.load(out);
            back.train(false);
            double again = Nd4j.math().abs(back.forward(golden.get("input.ids")).value().sub(logits)).maxNumber().doubleValue();
            assertThat(again).isLessThan(1e-6);
        }
    }

    @Test
    void roundTripIsBitIdentical(@TempDir Path tmp) throws Exception {
        Gpt model = GptParityTest.Fixture.load("nanogpt_layernorm_learned_bias").model(true);
        HfGpt2Export.write(model, tmp.resolve("hf"), 3, 4);
        assertThat(Files.readString(tmp.resolve("hf/config.json"))).contains("\"bos_token_id\" : 3", "\"eos_token_id\" : 4");
        Gpt back = Checkpoint.load(tmp.resolve("hf"));
        assertThat(back.config()).isEqualTo(model.config());
        assertThat(back.parameters().keySet()).containsExactlyElementsOf(model.parameters().keySet());
        model.parameters().forEach((n, p) -> assertThat(back.parameters().get(n).value()).as(n).isEqualTo(p.value()));

        // untied with an odd MLP width too, including the config's mlp_hidden
        var cfg = new ModelConfig(30, 8, 1, 2, 8, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-6,
                ModelConfig.Positions.LEARNED, false, ModelConfig.Activation.GELU, 4, 13);
        Gpt odd = new Gpt(cfg, 3);
        HfGpt2Export.write(odd, tmp.resolve("odd"));
        Gpt oddBack = Checkpoint.load(tmp.resolve("odd"));
        assertThat(oddBack.config()).isEqualTo(cfg);
        odd.parameters().forEach((n, p) -> assertThat(oddBack.parameters().get(n).value()).as(n).isEqualTo(p.value()));
    }

    @Test
    void weightsLargerThanOneReadPieceTransposeCorrectly(@TempDir Path tmp) throws Exception {
        // c_fc is (640, 2560) in the file: 6.5 MB, read in pieces of whole rows
        var cfg = new ModelConfig(8, 4, 1, 1, 640, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-5,
                ModelConfig.Positions.LEARNED, true, ModelConfig.Activation.GELU_TANH, 4);
        Gpt model = new Gpt(cfg, 9);
        HfGpt2Export.write(model, tmp.resolve("wide"));
        Gpt back = Checkpoint.load(tmp.resolve("wide"));
        model.parameters().forEach((n, p) -> assertThat(back.parameters().get(n).value()).as(n).isEqualTo(p.value()));
    }

    @Test
    void refusesWhatGpt2CannotExpress(@TempDir Path tmp) throws Exception {
        var rms = new ModelConfig(30, 8, 1, 2, 8, 0.0, true, ModelConfig.Norm.RMSNORM, 1e-5,
                ModelConfig.Positions.LEARNED, true, ModelConfig.Activation.GELU, 4);
        assertThatThrownBy(() -> HfGpt2Export.write(new Gpt(rms, 1), tmp.resolve("a")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("model.norm = rmsnorm")
                .hasMessageNotContaining("\n");
        Gpt lora = new Gpt(ModelConfig.shakespeareCharBaby(), 1);
        Lora.apply(lora, new LoraConfig(4, 8.0, 0.0, java.util.List.of("c_attn"), false), new Rng(1));
        assertThatThrownBy(() -> HfGpt2Export.write(lora, tmp.resolve("b")))
                .isInstanceOf(BadInputException.class).hasMessageContaining("LoRA").hasMessageContaining("Lora.merge");
        assertThat(tmp.resolve("a")).doesNotExist();
        assertThat(tmp.resolve("b")).doesNotExist();
    }

    @Test
    void writesOnlyIntoAFreshDirectoryOrAPreviousExport(@TempDir Path tmp) throws Exception {
        Gpt model = new Gpt(ModelConfig.shakespeareCharBaby(), 1);
        Path quill = tmp.resolve("quill");
        Checkpoint.save(quill, model);
        byte[] before = Files.readAllBytes(quill.resolve("model.safetensors"));
        assertThatThrownBy(() -> HfGpt2Export.write(model, quill))
                .isInstanceOf(BadInputException.class).hasMessageContaining("not a previous export");
        assertThat(Files.readAllBytes(quill.resolve("model.safetensors"))).isEqualTo(before);
        // a downloaded GPT-2 (no writer mark) is not overwritten either
        Path hub = HfGpt2LoadTest.HF.resolve("tied_gelunew_prefixed");
        assertThatThrownBy(() -> HfGpt2Export.write(Checkpoint.load(hub), hub)).isInstanceOf(BadInputException.class);

        Path out = tmp.resolve("out");
        Files.createDirectories(out);
        HfGpt2Export.write(model, out);                                  // empty: fine
        HfGpt2Export.write(new Gpt(ModelConfig.shakespeareCharBaby(), 2), out); // a previous export: replaced
        assertThat(Checkpoint.load(out).parameters().get("transformer.wte.weight").value())
                .isEqualTo(new Gpt(ModelConfig.shakespeareCharBaby(), 2).parameters().get("transformer.wte.weight").value());
    }
}
