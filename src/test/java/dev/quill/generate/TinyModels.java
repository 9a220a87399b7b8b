package dev.quill.generate;

import dev.quill.config.ModelConfig;
import dev.quill.data.CharTokenizer;
import dev.quill.model.Gpt;

/**
 * Small random models for the generator tests. The token embedding (tied to the output head) is scaled up
 * so logits differ by whole units: greedy choices are then far from ties and fp32 rounding between the
 * cached and uncached paths cannot flip one.
 */
final class TinyModels {

    static final String ALPHABET = "\n abcdefghijklmnopqrstuvwxyz.,!?";
    static final CharTokenizer CHARS = CharTokenizer.train(ALPHABET);

    private TinyModels() {
    }

    static ModelConfig config(ModelConfig.Positions positions, int blockSize) {
        return new ModelConfig(CHARS.vocabSize(), blockSize, 2, 2, 16, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-5,
                positions, true, ModelConfig.Activation.GELU, 4);
    }

    static Gpt model(ModelConfig.Positions positions, int blockSize, long seed) {
        Gpt model = new Gpt(config(positions, blockSize), seed);
        model.parameters().get("transformer.wte.weight").value().muli(40);
        return model;
    }

    static Generator generator(int blockSize, long seed) {
        return new Generator(model(ModelConfig.Positions.LEARNED, blockSize, seed), CHARS);
    }
}
