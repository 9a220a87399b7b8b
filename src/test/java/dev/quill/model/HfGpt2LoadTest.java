package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.autograd.GradMode;
import dev.quill.config.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Hugging Face GPT-2 directories load through {@link Checkpoint} and compute what transformers'
 * GPT2LMHeadModel computes on them: logits, the shifted next-token loss, and 20 greedy tokens
 * (tools/reference/hf_gpt2_reference.py wrote the directories and the expected values).
 */
class HfGpt2LoadTest {

    static final Path HF = Path.of("src/test/resources/hf");
    static final List<String> DIRS = List.of("tied_gelunew_prefixed", "untied_gelu_bare_buffers",
            "tied_pytorchtanh_f16", "untied_gelunew_sharded");

    @ParameterizedTest
    @ValueSource(strings = {"tied_gelunew_prefixed", "untied_gelu_bare_buffers", "tied_pytorchtanh_f16",
            "untied_gelunew_sharded"})
    void logitsLossAndGreedyTokensMatchTransformers(String name) throws Exception {
        Path dir = HF.resolve(name);
        Map<String, INDArray> golden = Safetensors.read(HF.resolve("golden/" + name + ".safetensors")).tensors();
        byte[][] before = snapshot(dir);
        Gpt model = Checkpoint.load(dir);
        model.train(false);
        INDArray ids = golden.get("input.ids");                                   // (B, T)
        try (GradMode g = GradMode.off()) {
            INDArray logits = model.forward(ids).value();                         // (B, T, V)
            INDArray want = golden.get("output.logits");
            assertThat(logits.shape()).isEqualTo(want.shape());
            double maxErr = Nd4j.math().abs(logits.sub(want)).maxNumber().doubleValue();
            assertThat(maxErr).as("max |logit - transformers|").isLessThan(1e-4);

            // GPT2LMHeadModel(labels=ids): position t predicts ids[t + 1]; the last position predicts nothing
            INDArray targets = Nd4j.valueArrayOf(ids.shape(), -1L, DataType.LONG);
            long t = ids.size(1);
            targets.get(NDArrayIndex.all(), NDArrayIndex.interval(0, t - 1))
                    .assign(ids.get(NDArrayIndex.all(), NDArrayIndex.interval(1, t)));
            double loss = model.loss(ids, targets).value().getDouble(0);
            assertThat(loss).isCloseTo(golden.get("output.loss").getDouble(0), org.assertj.core.data.Offset.offset(1e-5));

            assertThat(greedy(model, golden.get("prompt.ids").toLongVector(), 20))
                    .containsExactly(golden.get("greedy.ids").toLongVector());
        }
        assertThat(snapshot(dir)).as("the directory is read, never written").isDeepEqualTo(before);
    }

    /** Argmax of the last position's logits, appended, repeated: Quill's full forward each step. */
    static long[] greedy(Gpt model, long[] prompt, int n) {
        long[] seq = Arrays.copyOf(prompt, prompt.length + n);
        for (int i = prompt.length; i < seq.length; i++) {
            INDArray ids = Nd4j.createFromArray(new long[][] {Arrays.copyOf(seq, i)});  // (1, i)
            INDArray logits = model.forward(ids).value();                              // (1, i, V)
            seq[i] = logits.get(NDArrayIndex.point(0), NDArrayIndex.point(i - 1), NDArrayIndex.all())
                    .argMax().getLong(0);
        }
        return Arrays.copyOfRange(seq, prompt.length, seq.length);
    }

    @Test
    void configMapsEveryKey() {
        ModelConfig tied = Checkpoint.readConfig(HF.resolve("tied_gelunew_prefixed"));
        assertThat(tied).isEqualTo(new ModelConfig(320, 40, 2, 4, 32, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-5,
                ModelConfig.Positions.LEARNED, true, ModelConfig.Activation.GELU_TANH, 4));
        ModelConfig odd = Checkpoint.readConfig(HF.resolve("untied_gelu_bare_buffers"));
        assertThat(odd.tieEmbeddings()).isFalse();
        assertThat(odd.activation()).isEqualTo(ModelConfig.Activation.GELU);
        assertThat(odd.mlpWidth()).isEqualTo(37);
        assertThat(odd.dropout()).as("config.json says 0.1; a loaded model is for inference").isZero();
        assertThat(Checkpoint.readConfig(HF.resolve("tied_pytorchtanh_f16")).mlpWidth()).isEqualTo(64);
        assertThat(Checkpoint.isHuggingFace(HF.resolve("untied_gelunew_sharded"))).isTrue();
    }

    @Test
    void loadsInDoubleToo() throws Exception {
        Path dir = HF.resolve("tied_gelunew_prefixed");
        Gpt f = Checkpoint.load(dir);
        Gpt d = Checkpoint.load(dir, DataType.DOUBLE);
        f.parameters().forEach((n, p) -> assertThat(d.parameters().get(n).value().castTo(DataType.FLOAT))
                .as(n).isEqualTo(p.value()));
    }

    private static byte[][] snapshot(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.sorted().toList();
            byte[][] out = new byte[files.size() + 1][];
            out[0] = files.toString().getBytes();
            for (int i = 0; i < files.size(); i++) {
                out[i + 1] = Files.readAllBytes(files.get(i));
            }
            return out;
        }
    }
}
