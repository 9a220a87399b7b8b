package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import dev.quill.autograd.GradMode;
import dev.quill.autograd.Kernels;
import dev.quill.config.ModelConfig;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** While the context fits, logits with the cache equal the logits of a full forward, to fp32 rounding. */
class KvCacheTest {

    @ParameterizedTest
    @EnumSource(ModelConfig.Positions.class)
    void cachedLogitsEqualFullForwardAtEveryStep(ModelConfig.Positions positions) {
        ModelConfig c = new ModelConfig(17, 12, 2, 2, 16, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-5,
                positions, true, ModelConfig.Activation.GELU, 4);
        Gpt model = new Gpt(c, 4);
        model.train(false);
        int[][] seq = {{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8}, {2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5}};
        try (GradMode g = GradMode.off()) {
            KvCache cache = new KvCache(c, 2, DataType.FLOAT);
            // a prompt of 4 tokens in one call, then one token at a time
            INDArray prompt = slice(seq, 0, 4);
            INDArray cached = model.forward(prompt, cache).value();
            INDArray full = model.forward(prompt).value();
            assertThat(maxAbs(cached, full)).isLessThan(1e-5);
            for (int t = 4; t < 12; t++) {
                INDArray step = model.forward(slice(seq, t, t + 1), cache).value();      // (2, 1, V)
                INDArray all = model.forward(slice(seq, 0, t + 1)).value();              // (2, t+1, V)
                INDArray last = all.get(NDArrayIndex.all(), NDArrayIndex.interval(t, t + 1), NDArrayIndex.all());
                assertThat(maxAbs(step, last)).as("position %d", t).isLessThan(1e-5);
            }
            assertThat(cache.length()).isEqualTo(12);
        }
    }

    @ParameterizedTest
    @CsvSource({"layernorm, learned, true, true, gelu, 0", "rmsnorm, sinusoidal, false, false, gelu_tanh, 0",
            "rmsnorm, learned, true, false, gelu, 0", "layernorm, learned, true, false, gelu_tanh, 37"})
    void javaRowPathEqualsFullForwardAndTheNd4jPath(String norm, String pos, boolean bias, boolean tied, String act,
                                                    int mlpHidden) {
        ModelConfig c = new ModelConfig(23, 10, 2, 2, 16, 0.0, bias, ModelConfig.Norm.valueOf(norm.toUpperCase()), 1e-5,
                ModelConfig.Positions.valueOf(pos.toUpperCase()), tied, ModelConfig.Activation.valueOf(act.toUpperCase()), 4,
                mlpHidden);
        Gpt model = shiftedGainsAndBiases(new Gpt(c, 6));
        int[][] seq = {{3, 1, 4, 1, 5, 9, 2, 6, 5, 22}};
        try (GradMode g = GradMode.off()) {
            KvCache java = new KvCache(c, 1, DataType.FLOAT);
            KvCache nd4j = new KvCache(c, 1, DataType.FLOAT);
            // one token, then 2 and 4 positions at once (each grows the decoder's scratch rows), then 3 (fewer
            // rows than the scratch holds, as after a window slide)
            int[] chunks = {1, 2, 4, 3};
            int t = 0;
            for (int n : chunks) {
                INDArray step = model.forward(slice(seq, t, t + n), java).value();        // the Java path, (1, n, V)
                INDArray general = nd4jForward(model, slice(seq, t, t + n), nd4j);       // the general path
                INDArray all = model.forward(slice(seq, 0, t + n)).value();
                INDArray last = all.get(NDArrayIndex.all(), NDArrayIndex.interval(t, t + n), NDArrayIndex.all());
                assertThat(step.shape()).isEqualTo(last.shape());
                assertThat(maxAbs(step, last)).as("positions %d..%d vs full forward", t, t + n - 1).isLessThan(1e-5);
                assertThat(maxAbs(step, general)).as("positions %d..%d vs ND4J path", t, t + n - 1).isLessThan(1e-5);
                t += n;
            }
            assertThat(java.hasDecoder()).as("the Java cache went through the row decoder").isTrue();
            assertThat(nd4j.hasDecoder()).as("the forced cache never made one").isFalse();
            assertThat(java.length()).isEqualTo(10);
            assertThatThrownBy(() -> model.forward(slice(seq, 0, 1), java)).hasMessageContaining("KV cache full");
        }
    }

    @Test
    void javaPathReadsKeysAndValuesTheNd4jPathWrote() {
        // both paths share the cache's layout: positions written by ND4J are read back by the Java loops
        ModelConfig c = new ModelConfig(21, 9, 2, 2, 16, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-5,
                ModelConfig.Positions.LEARNED, true, ModelConfig.Activation.GELU, 4);
        Gpt model = shiftedGainsAndBiases(new Gpt(c, 10));
        int[][] seq = {{7, 20, 3, 3, 0, 14, 9, 1, 5}};
        try (GradMode g = GradMode.off()) {
            KvCache cache = new KvCache(c, 1, DataType.FLOAT);
            nd4jForward(model, slice(seq, 0, 5), cache);                                 // positions 0..4 by ND4J
            assertThat(cache.hasDecoder()).isFalse();
            INDArray step = model.forward(slice(seq, 5, 9), cache).value();              // 5..8 by Java, (1, 4, V)
            assertThat(cache.hasDecoder()).isTrue();
            INDArray all = model.forward(slice(seq, 0, 9)).value();
            INDArray last = all.get(NDArrayIndex.all(), NDArrayIndex.interval(5, 9), NDArrayIndex.all());
            assertThat(maxAbs(step, last)).isLessThan(1e-5);
        }
    }

    @Test
    void theJavaCopyOfTheCacheFollowsEveryWriterAndAClear() {
        // the row path keeps a Java copy of the keys and values: positions the ND4J path appends in between must
        // be read from the cache, and after a clear (a window slide) new tokens must not meet the old copy
        ModelConfig c = new ModelConfig(21, 12, 2, 2, 16, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-5,
                ModelConfig.Positions.LEARNED, true, ModelConfig.Activation.GELU, 4);
        Gpt model = shiftedGainsAndBiases(new Gpt(c, 12));
        int[][] seq = {{7, 20, 3, 3, 0, 14, 9, 1, 5, 11, 2, 17}};
        int[][] other = {{4, 4, 19, 6, 13, 8, 2, 0}};
        try (GradMode g = GradMode.off()) {
            KvCache cache = new KvCache(c, 1, DataType.FLOAT);
            model.forward(slice(seq, 0, 3), cache);                                      // 0..2 by Java
            nd4jForward(model, slice(seq, 3, 6), cache);                                 // 3..5 by ND4J
            INDArray step = model.forward(slice(seq, 6, 8), cache).value();              // 6..7 by Java
            INDArray all = model.forward(slice(seq, 0, 8)).value();
            assertThat(maxAbs(step, all.get(NDArrayIndex.all(), NDArrayIndex.interval(6, 8), NDArrayIndex.all())))
                    .isLessThan(1e-5);
            cache.clear();
            nd4jForward(model, slice(other, 0, 3), cache);                               // 0..2 again, by ND4J
            model.forward(slice(other, 3, 5), cache);                                    // 3..4 by Java
            step = model.forward(slice(other, 5, 8), cache).value();
            all = model.forward(slice(other, 0, 8)).value();
            assertThat(maxAbs(step, all.get(NDArrayIndex.all(), NDArrayIndex.interval(5, 8), NDArrayIndex.all())))
                    .as("after clear()").isLessThan(1e-5);
            KvCache again = cache.reuse(null);                                           // the same storage, emptied
            model.forward(slice(seq, 0, 4), again);
            step = model.forward(slice(seq, 4, 5), again).value();
            all = model.forward(slice(seq, 0, 5)).value();
            assertThat(maxAbs(step, all.get(NDArrayIndex.all(), NDArrayIndex.interval(4, 5), NDArrayIndex.all())))
                    .as("after reuse()").isLessThan(1e-5);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void javaArrayOverloadsEqualTheFullForwardOnBothPaths(boolean javaKernels) {
        ModelConfig c = new ModelConfig(19, 8, 2, 2, 16, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-5,
                ModelConfig.Positions.LEARNED, true, ModelConfig.Activation.GELU, 4);
        Gpt model = new Gpt(c, 8);
        model.train(false);
        int[][] seq = {{5, 0, 18, 3, 3, 7, 1, 12}};
        int[] chunks = {5, 1, 2};
        Kernels.force(javaKernels);                                                  // false: the general path
        try (GradMode g = GradMode.off()) {
            KvCache rowsCache = new KvCache(c, 1, DataType.FLOAT);
            KvCache lastCache = new KvCache(c, 1, DataType.FLOAT);
            int t = 0;
            for (int n : chunks) {
                int[] ids = Arrays.copyOfRange(seq[0], t, t + n);
                float[][] rows = model.forward(ids, rowsCache);                          // (n, V)
                float[] lastRow = model.lastLogits(ids, lastCache);                      // (V)
                INDArray all = model.forward(slice(seq, 0, t + n)).value();              // (1, t+n, V)
                assertThat(rows).hasNumberOfRows(n);
                for (int r = 0; r < n; r++) {
                    for (int v = 0; v < c.vocabSize(); v++) {
                        assertThat((double) rows[r][v]).as("position %d token %d", t + r, v)
                                .isCloseTo(all.getDouble(0, t + r, v), offset(1e-5));
                    }
                }
                for (int v = 0; v < c.vocabSize(); v++) {
                    assertThat((double) lastRow[v]).as("last position %d token %d", t + n - 1, v)
                            .isCloseTo(all.getDouble(0, t + n - 1, v), offset(1e-5));
                }
                t += n;
            }
            assertThat(rowsCache.length()).isEqualTo(8);
            assertThat(lastCache.length()).isEqualTo(8);
            assertThat(rowsCache.hasDecoder()).isEqualTo(javaKernels);
        } finally {
            Kernels.force(null);
        }
    }

    @Test
    void javaArrayOverloadsRefuseABatchCacheAndTrainingMode() {
        ModelConfig c = new ModelConfig(19, 8, 2, 2, 16, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-5,
                ModelConfig.Positions.LEARNED, true, ModelConfig.Activation.GELU, 4);
        Gpt model = new Gpt(c, 8);
        model.train(false);
        try (GradMode g = GradMode.off()) {
            KvCache two = new KvCache(c, 2, DataType.FLOAT);
            assertThatThrownBy(() -> model.lastLogits(new int[] {1, 2}, two))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cache holds 2");
            assertThat(two.length()).isZero();
        }
        model.train(true);
        try (GradMode g = GradMode.off()) {
            KvCache one = new KvCache(c, 1, DataType.FLOAT);
            assertThatThrownBy(() -> model.forward(new int[] {1}, one)).isInstanceOf(IllegalStateException.class);
        }
    }

    /** Gains and biases moved away from 1 and 0, so that a wrong norm or bias in the Java path shows. */
    private static Gpt shiftedGainsAndBiases(Gpt model) {
        model.train(false);
        model.parameters().forEach((name, p) -> {
            if (p.rank() == 1) {
                p.value().addi(Nd4j.rand(DataType.FLOAT, p.shape()).subi(0.5));
            }
        });
        return model;
    }

    /** The general ND4J path, forced for this call. */
    private static INDArray nd4jForward(Gpt model, INDArray idx, KvCache cache) {
        Kernels.force(false);
        try {
            return model.forward(idx, cache).value();
        } finally {
            Kernels.force(null);
        }
    }

    private static INDArray slice(int[][] seq, int from, int to) {
        int[][] out = new int[seq.length][to - from];
        for (int b = 0; b < seq.length; b++) {
            System.arraycopy(seq[b], from, out[b], 0, to - from);
        }
        return Nd4j.createFromArray(out);
    }

    private static double maxAbs(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }
}
