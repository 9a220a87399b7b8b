package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The PyTorch reference files (tools/reference/gpt_reference.py) load, and hold exactly the tensors the
 * GPT parity tests expect: every parameter under its nanoGPT name and PyTorch layout, its gradient, its
 * value after ten AdamW steps, and the input batch, logits and loss.
 */
class ReferenceFixturesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"nanogpt_layernorm_learned_bias", "rmsnorm_sinusoidal_nobias_tied", "layernorm_untied"})
    void holdsWeightsInputsOutputsGradsAndAdamwTrajectory(String name) throws IOException {
        var c = Safetensors.read(SafetensorsTest.resource("reference/" + name + ".safetensors"));
        JsonNode cfg = JSON.readTree(c.metadata().get("config"));
        JsonNode adamw = JSON.readTree(c.metadata().get("adamw"));
        assertThat(adamw.get("lr").asDouble()).isEqualTo(3e-3);
        Map<String, long[]> params = expectedParameters(cfg);
        var t = c.tensors();
        long v = cfg.get("vocab_size").asLong();
        long block = cfg.get("block_size").asLong();

        assertThat(t.keySet()).hasSize(3 * params.size() + 6);
        for (var p : params.entrySet()) {
            for (String prefix : new String[] {"", "grad.", "adamw.final."}) {
                INDArray a = t.get(prefix + p.getKey());
                assertThat(a).as(prefix + p.getKey()).isNotNull();
                assertThat(a.shape()).as(prefix + p.getKey()).isEqualTo(p.getValue());
                assertThat(a.dataType()).isEqualTo(DataType.FLOAT);
            }
        }
        assertThat(t.get("input.idx").dataType()).isEqualTo(DataType.LONG);
        assertThat(t.get("input.idx").shape()).containsExactly(3, block);
        assertThat(t.get("input.idx").minNumber().longValue()).isGreaterThanOrEqualTo(0);
        assertThat(t.get("input.idx").maxNumber().longValue()).isLessThan(v);
        assertThat(t.get("input.targets").dataType()).isEqualTo(DataType.LONG);
        assertThat(t.get("input.targets").shape()).containsExactly(3, block);
        assertThat(t.get("output.logits").shape()).containsExactly(3, block, v);
        assertThat(t.get("output.loss").rank()).isZero();
        assertThat(t.get("adamw.losses").shape()).containsExactly(10);
        assertThat(t.get("adamw.grad_norms").shape()).containsExactly(10);
        // the first AdamW loss is the loss of the stored weights
        assertThat(t.get("adamw.losses").getFloat(0)).isEqualTo(t.get("output.loss").getFloat(0));
        assertThat(t.get("adamw.losses").getFloat(9)).isLessThan(t.get("adamw.losses").getFloat(0));
    }

    @Test
    void oneConfigIgnoresSomeTargets() throws IOException {
        var t = Safetensors.read(SafetensorsTest.resource("reference/rmsnorm_sinusoidal_nobias_tied.safetensors"))
                .tensors();
        long ignored = 0;
        for (long target : t.get("input.targets").data().asLong()) {
            ignored += target == -1 ? 1 : 0;
        }
        assertThat(ignored).isEqualTo(4);
    }

    @Test
    void evalFixtureIsConsistent() throws IOException {
        var c = Safetensors.read(SafetensorsTest.resource("reference/eval/model.safetensors"));
        JsonNode cfg = JSON.readTree(c.metadata().get("config"));
        String text = Files.readString(SafetensorsTest.resource("reference/eval/text.txt"));
        long distinct = text.codePoints().distinct().count();
        assertThat(cfg.get("vocab_size").asLong()).isEqualTo(distinct);
        assertThat(c.tensors().get("transformer.wte.weight").shape()).containsExactly(distinct, 32);
        assertThat(c.tensors().keySet()).containsExactlyElementsOf(expectedParameters(cfg).keySet());
        JsonNode expected = JSON.readTree(SafetensorsTest.resource("reference/eval/expected.json").toFile());
        long n = text.codePoints().count();
        assertThat(expected.get("n_tokens").asLong()).isEqualTo(n);
        assertThat(expected.get("val").get("begin").asLong()).isEqualTo((long) Math.floor(n * (1 - 0.1)));
        for (String split : new String[] {"train", "val", "all"}) {
            JsonNode s = expected.get(split);
            long windows = (s.get("end").asLong() - s.get("begin").asLong() - 1) / 16;
            assertThat(s.get("windows").asLong()).as(split).isEqualTo(windows);
            assertThat(s.get("tokens").asLong()).as(split).isEqualTo(windows * 16);
            assertThat(s.get("perplexity").asDouble()).isCloseTo(Math.exp(s.get("loss").asDouble()),
                    org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    /** nanoGPT's parameter names and PyTorch shapes for a config, in the module order. */
    static Map<String, long[]> expectedParameters(JsonNode cfg) {
        long v = cfg.get("vocab_size").asLong();
        long c = cfg.get("n_embd").asLong();
        long hidden = cfg.get("mlp_ratio").asLong() * c;
        boolean bias = cfg.get("bias").asBoolean();
        var out = new LinkedHashMap<String, long[]>();
        out.put("transformer.wte.weight", new long[] {v, c});
        if (cfg.get("positions").asText().equals("learned")) {
            out.put("transformer.wpe.weight", new long[] {cfg.get("block_size").asLong(), c});
        }
        for (int i = 0; i < cfg.get("n_layer").asInt(); i++) {
            String h = "transformer.h." + i + ".";
            linear(out, h + "ln_1", c, -1, bias);
            linear(out, h + "attn.c_attn", 3 * c, c, bias);
            linear(out, h + "attn.c_proj", c, c, bias);
            linear(out, h + "ln_2", c, -1, bias);
            linear(out, h + "mlp.c_fc", hidden, c, bias);
            linear(out, h + "mlp.c_proj", c, hidden, bias);
        }
        linear(out, "transformer.ln_f", c, -1, bias);
        if (!cfg.get("tie_embeddings").asBoolean()) {
            out.put("lm_head.weight", new long[] {v, c});
        }
        return out;
    }

    /** weight [out, in] (or [out] for a norm, in = -1) and bias [out]. */
    private static void linear(Map<String, long[]> out, String name, long outF, long inF, boolean bias) {
        out.put(name + ".weight", inF < 0 ? new long[] {outF} : new long[] {outF, inF});
        if (bias) {
            out.put(name + ".bias", new long[] {outF});
        }
    }
}
