package dev.quill.bench;

import dev.quill.config.ModelConfig;
import dev.quill.config.TrainConfig;

/**
 * The two configurations the benchmarks measure, by the name a {@code @Param("shape")} gives:
 * {@code baby} (nanoGPT's CPU baby model: B=12, T=64, C=128, 4 layers, 4 heads) and {@code 6x384}
 * (nanoGPT's shakespeare_char: B=64, T=256, C=384, 6 layers, 6 heads, dropout 0.2). V = 65 characters.
 */
record Shape(String name, int b, int t, int c, int nh, int layers, int v, ModelConfig model, TrainConfig train) {

    static final int VOCAB = 65;

    static Shape of(String name) {
        return switch (name) {
            case "baby" -> new Shape(name, 12, 64, 128, 4, 4, VOCAB, ModelConfig.shakespeareCharBaby(),
                    TrainConfig.shakespeareCharBaby());
            case "6x384" -> new Shape(name, 64, 256, 384, 6, 6, VOCAB, ModelConfig.shakespeareChar(),
                    TrainConfig.shakespeareChar());
            default -> throw new IllegalArgumentException("unknown shape '" + name + "' (baby or 6x384)");
        };
    }

    /** Rows of a Linear's input: B * T. */
    long rows() {
        return (long) b * t;
    }

    /** Head size hs = C / nh. */
    int hs() {
        return c / nh;
    }
}
