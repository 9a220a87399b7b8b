package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.autograd.GradMode;
import dev.quill.autograd.Kernels;
import dev.quill.config.ModelConfig;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The decoder's large-model forms on a small model: F32 weights read in place (heads and rows split over
 * threads) against the full forward, and int8 weights against the full forward of the round-tripped model
 * (the same numbers by construction, so the tolerance is float rounding) and near the F32 logits.
 */
class StreamedDecodeTest {

    private static final int[] SEQ = {3, 1, 4, 1, 5, 9, 2, 6, 5, 22, 7, 0};
    private static final int[] CHUNKS = {1, 2, 6, 1, 1, 1};   // one token, then several at once, as a prompt or slide

    @ParameterizedTest
    @CsvSource({"layernorm, learned, true, true, true", "rmsnorm, sinusoidal, false, false, true",
            "layernorm, learned, true, true, false"})
    void streamedF32EqualsTheFullForwardAtEveryPosition(String norm, String pos, boolean bias, boolean tied, boolean vector) {
        ModelConfig c = config(norm, pos, bias, tied);
        Gpt model = shifted(new Gpt(c, 6));
        Kernels.forceVector(vector);
        try (GradMode g = GradMode.off()) {
            KvCache cache = new KvCache(c, 1, DataType.FLOAT, DecoderWeights.streamedF32(model));
            assertMatchesFullForward(model, model, cache, 1e-5);
        } finally {
            Kernels.forceVector(null);
        }
    }

    @ParameterizedTest
    @CsvSource({"layernorm, learned, true, true, true", "rmsnorm, sinusoidal, false, false, true",
            "layernorm, learned, true, true, false"})
    void int8EqualsTheRoundTrippedModelAndStaysNearF32(String norm, String pos, boolean bias, boolean tied, boolean vector) {
        ModelConfig c = config(norm, pos, bias, tied);
        Gpt model = shifted(new Gpt(c, 6));
        Gpt roundTripped = new Gpt(c, 6);
        roundTripped.train(false);
        model.parameters().forEach((name, p) -> roundTripped.parameters().get(name).value().assign(p.value()));
        DecoderWeights.roundTripInt8(roundTripped);
        Kernels.forceVector(vector);
        try (GradMode g = GradMode.off()) {
            KvCache cache = new KvCache(c, 1, DataType.FLOAT, DecoderWeights.of(model, WeightFormat.INT8));
            assertMatchesFullForward(model, roundTripped, cache, 1e-4);
            // int8 against F32: per-row absmax steps of 1/254 of a row's largest weight move the logits little
            INDArray f32 = model.forward(Nd4j.createFromArray(new int[][] {SEQ})).value();
            INDArray int8 = roundTripped.forward(Nd4j.createFromArray(new int[][] {SEQ})).value();
            double spread = f32.maxNumber().doubleValue() - f32.minNumber().doubleValue();
            assertThat(f32.sub(int8).amaxNumber().doubleValue()).as("int8 vs F32 logits").isGreaterThan(0)
                    .isLessThan(0.02 * spread);
        } finally {
            Kernels.forceVector(null);
        }
    }

    /** Feeds SEQ in CHUNKS through the cache (model's decoder) and compares every position with reference's full forward. */
    private static void assertMatchesFullForward(Gpt model, Gpt reference, KvCache cache, double tol) {
        INDArray all = reference.forward(Nd4j.createFromArray(new int[][] {SEQ})).value();   // (1, T, V)
        int t = 0;
        for (int n : CHUNKS) {
            float[][] rows = model.forward(Arrays.copyOfRange(SEQ, t, t + n), cache);          // (n, V)
            for (int r = 0; r < n; r++) {
                for (int v = 0; v < rows[r].length; v++) {
                    assertThat(Math.abs(rows[r][v] - all.getDouble(0, t + r, v)))
                            .as("position %d token %d", t + r, v).isLessThan(tol);
                }
            }
            t += n;
        }
        assertThat(cache.hasDecoder()).isTrue();
    }

    private static ModelConfig config(String norm, String pos, boolean bias, boolean tied) {
        return new ModelConfig(23, 12, 2, 2, 32, 0.0, bias, ModelConfig.Norm.valueOf(norm.toUpperCase()), 1e-5,
                ModelConfig.Positions.valueOf(pos.toUpperCase()), tied, ModelConfig.Activation.GELU, 4);
    }

    /** Gains and biases moved away from 1 and 0 (deterministically), so that a wrong norm or bias shows. */
    private static Gpt shifted(Gpt model) {
        model.train(false);
        model.parameters().forEach((name, p) -> {
            if (p.rank() == 1) {
                p.value().addi(Nd4j.linspace(-0.4, 0.4, p.value().length(), DataType.FLOAT).reshape(p.shape()));
            }
        });
        return model;
    }
}
