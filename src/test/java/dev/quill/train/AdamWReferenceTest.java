package dev.quill.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quill.autograd.Kernels;
import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.config.ConfigJson;
import dev.quill.config.ModelConfig;
import dev.quill.model.Gpt;
import dev.quill.model.Safetensors;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Ten AdamW steps on a fixed batch from the reference weights, against torch.optim.AdamW with the same
 * decay groups, hyperparameters and clipping (tools/reference/gpt_reference.py): losses, gradient norms
 * and the final weights, in the style of llm.c's test. Run with the Java kernel and with the ND4J-op path.
 */
class AdamWReferenceTest {

    @ParameterizedTest
    @CsvSource({"nanogpt_layernorm_learned_bias, true", "rmsnorm_sinusoidal_nobias_tied, true",
            "layernorm_untied, true", "layernorm_untied, false"})
    void tenStepsMatchTorch(String name, boolean javaKernels) throws Exception {
        Safetensors.Contents c = Safetensors.read(Path.of("src/test/resources/reference", name + ".safetensors"));
        Map<String, INDArray> t = c.tensors();
        JsonNode cfg = ConfigJson.MAPPER.readTree(c.metadata().get("config"));
        JsonNode hp = ConfigJson.MAPPER.readTree(c.metadata().get("adamw"));
        Gpt model = new Gpt(ModelConfig.fromJson(cfg, ModelConfig.shakespeareCharBaby()), new Rng(0), DataType.FLOAT);
        model.loadState(t, true, name);
        AdamW opt = new AdamW(model.parameters(), hp.get("weight_decay").asDouble(), hp.get("betas").get(0).asDouble(),
                hp.get("betas").get(1).asDouble(), hp.get("eps").asDouble());
        assertThat(opt.decayed()).allMatch(n -> n.endsWith(".weight") && !n.contains("ln_"));
        double[] losses = t.get("adamw.losses").toDoubleVector();
        double[] norms = t.get("adamw.grad_norms").toDoubleVector();
        Kernels.force(javaKernels);
        try {
            for (int k = 0; k < 10; k++) {
                Tensor loss = model.loss(t.get("input.idx"), t.get("input.targets"));
                assertThat(loss.item()).as("loss before update %d", k).isCloseTo(losses[k], within(2e-5));
                loss.backward();
                double norm = GradClip.clip(model.parameters().values(), hp.get("grad_clip").asDouble());
                assertThat(norm).as("gradient norm at update %d", k).isCloseTo(norms[k], within(2e-5 * Math.max(1, norms[k])));
                opt.step(hp.get("lr").asDouble());
                model.zeroGrad();
            }
        } finally {
            Kernels.force(null);
        }
        assertThat(opt.stepCount()).isEqualTo(10);
        for (Map.Entry<String, Tensor> e : model.parameters().entrySet()) {
            INDArray expected = t.get("adamw.final." + e.getKey());
            double err = e.getValue().value().castTo(DataType.DOUBLE).sub(expected.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
            assertThat(err).as("weights of %s after 10 updates", e.getKey()).isLessThan(5e-5);
        }
    }
}
