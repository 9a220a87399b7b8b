package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.quill.autograd.GradMode;
import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.config.ModelConfig;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class GptTest {

    @Test
    void babyParameterCountMatchesTheFormula() {
        ModelConfig c = ModelConfig.shakespeareCharBaby();
        Gpt model = new Gpt(c, 1);
        long C = c.nEmbd(), L = c.nLayer(), V = c.vocabSize(), T = c.blockSize();
        // per block: c_attn 3C^2, attn c_proj C^2, c_fc 4C^2, mlp c_proj 4C^2, two norm gains 2C (no biases)
        long expected = V * C + T * C + L * (12 * C * C + 2 * C) + C;
        assertThat(model.parameterCount()).isEqualTo(expected).isEqualTo(804_096L);
        assertThat(model.parameterCountWithoutPositions()).isEqualTo(expected - T * C);
        // nanoGPT's estimate: 6 (804,096 - 64 * 128) + 12 * 4 * 128 * 64 = 4,775,424 + 393,216
        assertThat(model.flopsPerToken()).isEqualTo(5_168_640.0);
        // untied: lm_head is a product of its own (the same count), wte only a lookup
        ModelConfig untied = new ModelConfig(c.vocabSize(), c.blockSize(), c.nLayer(), c.nHead(), c.nEmbd(), c.dropout(), c.bias(),
                c.norm(), c.normEps(), c.positions(), false, c.activation(), c.mlpRatio());
        Gpt u = new Gpt(untied, 1);
        assertThat(u.parameterCountWithoutPositions()).isEqualTo(expected - T * C + V * C);
        assertThat(u.flopsPerToken()).isEqualTo(5_168_640.0);
        // tied: lm_head is wte, counted once and not listed separately
        assertThat(model.parameters()).doesNotContainKey("lm_head.weight").containsKey("transformer.wte.weight");
    }

    @Test
    void gpt2InitStatistics() {
        ModelConfig c = new ModelConfig(300, 32, 4, 4, 64, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-5,
                ModelConfig.Positions.LEARNED, true, ModelConfig.Activation.GELU, 4);
        Map<String, Tensor> p = new Gpt(c, 3).parameters();
        assertThat(std(p.get("transformer.wte.weight").value())).isCloseTo(0.02, within(0.001));
        assertThat(std(p.get("transformer.h.0.mlp.c_fc.weight").value())).isCloseTo(0.02, within(0.001));
        double residual = 0.02 / Math.sqrt(2 * 4);
        assertThat(std(p.get("transformer.h.2.mlp.c_proj.weight").value())).isCloseTo(residual, within(0.0005));
        assertThat(std(p.get("transformer.h.2.attn.c_proj.weight").value())).isCloseTo(residual, within(0.0006));
        assertThat(p.get("transformer.h.0.attn.c_attn.bias").value().amaxNumber().doubleValue()).isZero();
        assertThat(p.get("transformer.ln_f.weight").value().minNumber().doubleValue()).isEqualTo(1.0);
        assertThat(p.get("transformer.ln_f.weight").value().maxNumber().doubleValue()).isEqualTo(1.0);
        // seeded: the same seed gives the same weights
        assertThat(new Gpt(c, 3).parameters().get("transformer.wte.weight").value())
                .isEqualTo(p.get("transformer.wte.weight").value());
    }

    private static double std(INDArray a) {
        return a.castTo(DataType.DOUBLE).stdNumber().doubleValue();
    }

    @Test
    void sinusoidalValuesMatchTheClosedForm() {
        int c = 8;
        // position 0: sin(0) = 0 on even channels, cos(0) = 1 on odd ones
        for (int j = 0; j < c; j++) {
            assertThat(SinusoidalPositions.value(0, j, c)).isEqualTo(j % 2 == 0 ? 0.0 : 1.0);
        }
        // channel pair 0 has frequency 1: PE(p, 0) = sin p, PE(p, 1) = cos p
        assertThat(SinusoidalPositions.value(3, 0, c)).isEqualTo(Math.sin(3));
        assertThat(SinusoidalPositions.value(3, 1, c)).isEqualTo(Math.cos(3));
        // channel pair 2 (channels 4, 5): wavelength 10000^(4/8) = 100, so PE(p, 4) = sin(p / 100)
        assertThat(SinusoidalPositions.value(50, 4, c)).isCloseTo(Math.sin(0.5), within(1e-15));
        assertThat(SinusoidalPositions.value(50, 5, c)).isCloseTo(Math.cos(0.5), within(1e-15));
        // the module's table, in float, beyond the cached block too
        SinusoidalPositions pe = new SinusoidalPositions(4, c, DataType.FLOAT);
        INDArray rows = pe.forward(2, 5).value(); // positions 2..6, past block_size 4
        assertThat(rows.shape()).containsExactly(5, c);
        assertThat(rows.getDouble(4, 0)).isCloseTo(Math.sin(6), within(1e-7));
        assertThat(rows.getDouble(0, 3)).isCloseTo(Math.cos(2 / Math.pow(10000, 2.0 / 8)), within(1e-7));
    }

    @Property(tries = 4)
    void aLaterTokenNeverChangesEarlierLogits(@ForAll @IntRange(min = 0, max = 6) int changed,
                                             @ForAll @IntRange(min = 0, max = 2) int variant) {
        ModelConfig c = new ModelConfig(20, 8, 2, 2, 8, 0.0, variant == 0, variant == 1 ? ModelConfig.Norm.RMSNORM
                : ModelConfig.Norm.LAYERNORM, 1e-5, variant == 2 ? ModelConfig.Positions.SINUSOIDAL
                : ModelConfig.Positions.LEARNED, variant != 1, ModelConfig.Activation.GELU, 4);
        Gpt model = new Gpt(c, new Rng(variant), DataType.DOUBLE);
        INDArray a = Nd4j.createFromArray(new int[][] {{3, 1, 4, 1, 5, 9, 2, 6}});
        INDArray b = a.dup();
        b.putScalar(0, changed + 1, 19);
        try (GradMode g = GradMode.off()) {
            INDArray la = model.forward(a).value();
            INDArray lb = model.forward(b).value();
            INDArray before = la.get(NDArrayIndex.all(), NDArrayIndex.interval(0, changed + 1), NDArrayIndex.all());
            INDArray beforeB = lb.get(NDArrayIndex.all(), NDArrayIndex.interval(0, changed + 1), NDArrayIndex.all());
            assertThat(before.sub(beforeB).amaxNumber().doubleValue()).isZero();
            assertThat(la.sub(lb).amaxNumber().doubleValue()).isPositive();
        }
    }

    @Test
    void dropoutOnlyActsInTraining() {
        ModelConfig c = new ModelConfig(20, 8, 1, 2, 8, 0.5, false, ModelConfig.Norm.LAYERNORM, 1e-5,
                ModelConfig.Positions.LEARNED, true, ModelConfig.Activation.GELU, 4);
        Gpt model = new Gpt(c, 2);
        INDArray ids = Nd4j.createFromArray(new int[][] {{1, 2, 3}});
        try (GradMode g = GradMode.off()) {
            model.train(false);
            INDArray e1 = model.forward(ids).value();
            INDArray e2 = model.forward(ids).value();
            assertThat(e1).isEqualTo(e2);
            model.train(true);
            INDArray t1 = model.forward(ids).value();
            assertThat(t1.sub(e1).amaxNumber().doubleValue()).isPositive();
        }
    }
}
