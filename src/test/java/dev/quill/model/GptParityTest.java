package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.config.ConfigJson;
import dev.quill.config.ModelConfig;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The whole model against the PyTorch reference in {@code tools/reference/gpt_reference.py}, in the style
 * of llm.c's test: same weights and batch in, then logits, loss and every parameter gradient compared
 * with explicit fp32 tolerances.
 */
class GptParityTest {

    static final String[] FIXTURES = {"nanogpt_layernorm_learned_bias", "rmsnorm_sinusoidal_nobias_tied", "layernorm_untied"};

    record Fixture(ModelConfig config, Map<String, INDArray> tensors) {
        static Fixture load(String name) throws Exception {
            Safetensors.Contents c = Safetensors.read(Path.of("src/test/resources/reference", name + ".safetensors"));
            JsonNode cfg = ConfigJson.MAPPER.readTree(c.metadata().get("config"));
            return new Fixture(ModelConfig.fromJson(cfg, ModelConfig.shakespeareCharBaby()), c.tensors());
        }

        Gpt model(boolean fused) {
            Gpt m = new Gpt(config, new Rng(0), DataType.FLOAT);
            m.loadState(tensors, true, "fixture");
            m.useFusedAttention(fused);
            return m;
        }
    }

    static double maxAbs(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"nanogpt_layernorm_learned_bias", "rmsnorm_sinusoidal_nobias_tied", "layernorm_untied"})
    void logitsLossAndEveryGradientMatchPyTorch(String name) throws Exception {
        Fixture f = Fixture.load(name);
        for (boolean fused : new boolean[] {true, false}) {
            Gpt model = f.model(fused);
            Tensor logits = model.forward(f.tensors.get("input.idx"));
            assertThat(maxAbs(logits.value(), f.tensors.get("output.logits"))).as("%s logits (fused=%s)", name, fused)
                    .isLessThan(2e-5);
            Tensor loss = logits.crossEntropy(f.tensors.get("input.targets"), -1);
            assertThat(Math.abs(loss.item() - f.tensors.get("output.loss").getDouble(0))).as("%s loss", name)
                    .isLessThan(2e-6);
            loss.backward();
            Map<String, Tensor> params = model.parameters();
            assertThat(params).hasSizeGreaterThan(5);
            for (Map.Entry<String, Tensor> e : params.entrySet()) {
                INDArray expected = f.tensors.get("grad." + e.getKey());
                assertThat(expected).as("reference gradient for %s", e.getKey()).isNotNull();
                assertThat(maxAbs(e.getValue().grad(), expected)).as("%s gradient of %s (fused=%s)", name, e.getKey(), fused)
                        .isLessThan(2e-5);
            }
            // the reference has exactly these parameters: no more, no fewer
            long referenceParams = f.tensors.keySet().stream().filter(k -> k.startsWith("grad.")).count();
            assertThat(params).hasSize((int) referenceParams);
        }
    }
}
