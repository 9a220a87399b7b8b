package dev.quill.model;

import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.config.ModelConfig;
import java.nio.file.Path;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The Quill models whose Hugging Face exports are committed under src/test/resources/hf/export/, where
 * tools/reference/hf_export_check.py runs transformers on them. {@link #main} writes those directories
 * (run it after changing a model here, then the script); {@code HfGpt2ExportTest} re-exports and expects
 * the same bytes.
 */
final class HfExportFixtures {

    /** The fixture names: a directory each under hf/export/. */
    static final String[] NAMES = {"layernorm_untied_nobias", "sinusoidal_tied_oddmlp"};

    private HfExportFixtures() {
    }

    /**
     * {@code layernorm_untied_nobias}: the PyTorch reference fixture {@code layernorm_untied} (no biases,
     * untied head, exact GELU). {@code sinusoidal_tied_oddmlp}: a seeded model with sinusoidal positions, a
     * tied head, tanh GELU, a 40-wide MLP and dropout 0.1, whose biases and norm gains are randomized too.
     */
    static Gpt model(String name) throws Exception {
        return switch (name) {
            case "layernorm_untied_nobias" -> GptParityTest.Fixture.load("layernorm_untied").model(true);
            case "sinusoidal_tied_oddmlp" -> {
                var cfg = new ModelConfig(61, 12, 2, 2, 24, 0.1, true, ModelConfig.Norm.LAYERNORM, 1e-5,
                        ModelConfig.Positions.SINUSOIDAL, true, ModelConfig.Activation.GELU_TANH, 4, 40);
                Gpt m = new Gpt(cfg, new Rng(5), DataType.FLOAT);
                Rng r = new Rng(11);
                for (var e : m.parameters().entrySet()) {
                    Tensor p = e.getValue();
                    boolean gain = e.getKey().contains(".ln_") && e.getKey().endsWith(".weight");
                    if (e.getKey().endsWith(".bias") || gain) {
                        for (long i = 0; i < p.value().length(); i++) {
                            p.value().putScalar(i, (gain ? 1.0 : 0.0) + 0.1 * r.nextGaussian());
                        }
                    }
                }
                yield m;
            }
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * Writes every fixture's export under {@code args[0]} (default src/test/resources/hf/export).
     *
     * @param args the output root, optional
     * @throws Exception when a fixture cannot be built or written
     */
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : "src/test/resources/hf/export");
        for (String name : NAMES) {
            HfGpt2Export.write(model(name), root.resolve(name));
        }
    }
}
