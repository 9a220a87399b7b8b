package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quill.config.BadInputException;
import dev.quill.config.ModelConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A NaN or an infinity in the weights is refused at load, naming the tensor. */
class FiniteWeightsTest {

    private static final ModelConfig CFG = new ModelConfig(13, 8, 2, 2, 8, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-5,
            ModelConfig.Positions.LEARNED, false, ModelConfig.Activation.GELU, 4);

    @Test
    void aNaNOrAnInfinityInTheWeightsIsRefusedNamingTheTensor(@TempDir Path a, @TempDir Path b) throws Exception {
        Gpt nan = new Gpt(CFG, 5);
        nan.parameters().get("transformer.h.1.mlp.c_fc.weight").value().putScalar(3, Float.NaN);
        Checkpoint.save(a, nan);
        assertThatThrownBy(() -> Checkpoint.load(a)).isInstanceOf(BadInputException.class)
                .hasMessage(a.resolve(Checkpoint.WEIGHTS) + ": tensor transformer.h.1.mlp.c_fc.weight holds NaN; the weights"
                        + " are unusable (a diverged run, or a damaged file); use another checkpoint");
        Gpt inf = new Gpt(CFG, 5);
        inf.parameters().get("transformer.ln_f.weight").value().putScalar(0, Float.NEGATIVE_INFINITY);
        Checkpoint.save(b, inf);
        assertThatThrownBy(() -> Checkpoint.load(b)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("tensor transformer.ln_f.weight holds an infinity");
    }

    @Test
    void aHuggingFaceDirectoryWithANaNIsRefusedToo(@TempDir Path hf) throws Exception {
        Gpt nan = new Gpt(CFG, 5);
        nan.parameters().get("transformer.h.0.attn.c_attn.weight").value().putScalar(7, Float.NaN);
        HfGpt2Export.write(nan, hf);                               // a Conv1D weight, transposed on the way in
        assertThatThrownBy(() -> Checkpoint.load(hf)).isInstanceOf(BadInputException.class)
                .hasMessageContaining(hf + ": tensor transformer.h.0.attn.c_attn.weight holds NaN");
    }
}
