package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.autograd.GradCheck;
import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.config.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every module's gradients (input and parameters) against finite differences, in double precision. */
class ModuleGradientTest {

    private static final DataType D = DataType.DOUBLE;

    static ModelConfig tiny(String norm, String positions, boolean bias, boolean tied, String activation, double dropout) {
        return new ModelConfig(11, 6, 2, 2, 8, dropout, bias, ModelConfig.Norm.valueOf(norm.toUpperCase()), 1e-5,
                ModelConfig.Positions.valueOf(positions.toUpperCase()), tied,
                ModelConfig.Activation.valueOf(activation.toUpperCase()), 4);
    }

    private static Tensor input(long seed, long... shape) {
        Rng rng = new Rng(seed);
        INDArray a = Nd4j.create(D, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, rng.nextGaussian());
        }
        return Tensor.leaf(a).named("x");
    }

    /** Perturb the module's gains and biases away from 1 and 0 so their gradients are not special cases. */
    private static void perturb(Module m, long seed) {
        Rng rng = new Rng(seed);
        m.parameters().forEach((name, p) -> {
            if (p.rank() == 1) {
                INDArray v = p.value();
                for (long i = 0; i < v.length(); i++) {
                    v.putScalar(i, v.getDouble(i) + 0.3 * rng.nextGaussian());
                }
            }
        });
    }

    private static void assertModule(Module m, Supplier<Tensor> f, Tensor... inputs) {
        List<Tensor> wrt = new ArrayList<>(List.of(inputs));
        m.parameters().forEach((name, p) -> wrt.add(p.named(name)));
        GradCheck.Result r = GradCheck.check(f, wrt, 3, 16); // 16 random elements per tensor keeps this fast
        assertThat(r.maxError()).as(r.toString()).isLessThan(1e-6);
    }

    @Test
    void linearWithAndWithoutBias() {
        for (boolean bias : new boolean[] {true, false}) {
            Linear l = new Linear(5, 3, bias, 0.5, new Rng(1), D);
            perturb(l, 2);
            Tensor x = input(3, 2, 4, 5);
            assertModule(l, () -> l.forward(x), x);
        }
    }

    @Test
    void embeddingAndLearnedPositions() {
        Embedding e = new Embedding(7, 4, 1.0, new Rng(4), D);
        INDArray ids = Nd4j.createFromArray(new int[][] {{1, 6, 1}, {0, 0, 3}});
        assertModule(e, () -> e.forward(ids));
        LearnedPositions p = new LearnedPositions(6, 4, 1.0, new Rng(5), D);
        assertModule(p, () -> p.forward(2, 3));
    }

    @Test
    void norms() {
        for (boolean bias : new boolean[] {true, false}) {
            LayerNorm ln = new LayerNorm(6, bias, 1e-5, D);
            perturb(ln, 6);
            Tensor x = input(7, 2, 3, 6);
            assertModule(ln, () -> ln.forward(x), x);
            RmsNorm rms = new RmsNorm(6, bias, 1e-5, D);
            perturb(rms, 8);
            assertModule(rms, () -> rms.forward(x), x);
        }
    }

    @ParameterizedTest
    @CsvSource({"layernorm, learned, true, true, gelu, 0.0", "rmsnorm, sinusoidal, false, false, gelu_tanh, 0.2"})
    void attentionMlpBlockAndWholeGpt(String norm, String positions, boolean bias, boolean tied, String act, double dropout) {
        ModelConfig cfg = tiny(norm, positions, bias, tied, act, dropout);
        Tensor x = input(9, 2, 5, 8);
        // dropout masks come from the module's Rng: restore its state before every evaluation so the
        // function being differentiated is fixed
        Rng rng = new Rng(10);
        CausalSelfAttention attn = new CausalSelfAttention(cfg, rng, D);
        perturb(attn, 11);
        long s1 = rng.state();
        assertModule(attn, () -> attn.forward(restore(rng, s1, x)), x);
        Mlp mlp = new Mlp(cfg, rng, D);
        perturb(mlp, 12);
        long s2 = rng.state();
        assertModule(mlp, () -> mlp.forward(restore(rng, s2, x)), x);
        Block block = new Block(cfg, rng, D);
        perturb(block, 13);
        long s3 = rng.state();
        assertModule(block, () -> block.forward(restore(rng, s3, x)), x);
        Gpt gpt = new Gpt(cfg, new Rng(14), D);
        perturb(gpt, 15);
        INDArray ids = Nd4j.createFromArray(new int[][] {{1, 2, 3, 4, 10}, {0, 5, 5, 9, 1}});
        long s4 = gpt.rng().state();
        assertModule(gpt, () -> {
            gpt.rng().restore(s4);
            return gpt.forward(ids);
        });
    }

    private static Tensor restore(Rng rng, long state, Tensor x) {
        rng.restore(state);
        return x;
    }
}
