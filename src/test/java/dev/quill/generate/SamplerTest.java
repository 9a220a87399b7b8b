package dev.quill.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quill.autograd.Rng;
import dev.quill.config.BadInputException;
import java.util.Arrays;
import java.util.function.IntSupplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The samplers draw what they promise: only allowed tokens, the degenerate settings equal greedy, and
 * 20,000 draws pass a chi-square test against the intended distribution (computed here by hand, not by
 * the code under test) while a deliberately wrong distribution fails the same test.
 */
class SamplerTest {

    private static final double[] X = {2.0, 1.0, 0.5, 0.0, -1.0};
    private static final int DRAWS = 20_000;

    // ---- distributions, by hand -------------------------------------------------------------------------

    /** exp(x_i / t) / Z over the ids in keep (others 0). */
    private static double[] softmaxOver(double[] x, double t, int... keep) {
        double[] p = new double[x.length];
        double z = 0;
        for (int i : keep) {
            p[i] = Math.exp(x[i] / t);
            z += p[i];
        }
        for (int i : keep) {
            p[i] /= z;
        }
        return p;
    }

    private static int[] counts(IntSupplier draw, int v) {
        int[] c = new int[v];
        for (int n = 0; n < DRAWS; n++) {
            c[draw.getAsInt()]++;
        }
        return c;
    }

    @Test
    void temperatureMatchesSoftmaxOfScaledLogits() {
        var s = new TemperatureSampler(0.7);
        var rng = new Rng(11);
        int[] c = counts(() -> s.sample(X, rng), X.length);
        double[] intended = softmaxOver(X, 0.7, 0, 1, 2, 3, 4);
        double[] wrong = softmaxOver(X, 1.0, 0, 1, 2, 3, 4);          // forgot the temperature
        assertThat(ChiSquare.accepts(c, intended)).as("X2 = %s", ChiSquare.statistic(c, intended)).isTrue();
        assertThat(ChiSquare.accepts(c, wrong)).as("X2 = %s", ChiSquare.statistic(c, wrong)).isFalse();
    }

    @Test
    void topKMatchesRenormalizedTopThree() {
        var s = new TopKSampler(3);
        var rng = new Rng(12);
        int[] c = counts(() -> s.sample(X, rng), X.length);
        double[] intended = softmaxOver(X, 1.0, 0, 1, 2);
        double[] wrong = softmaxOver(X, 1.0, 0, 1, 2, 3, 4);          // no filtering
        assertThat(ChiSquare.accepts(c, intended)).as("X2 = %s", ChiSquare.statistic(c, intended)).isTrue();
        assertThat(ChiSquare.accepts(c, wrong)).isFalse();
        assertThat(c[3] + c[4]).isZero();
    }

    @Test
    void topPKeepsTheSmallestNucleusReachingP() {
        // softmax(X) = 0.563, 0.207, 0.126, 0.076, 0.028: the cumulative sums 0.563, 0.770, 0.896 first reach
        // 0.8 with three tokens
        double[] full = softmaxOver(X, 1.0, 0, 1, 2, 3, 4);
        assertThat(full[0] + full[1]).isLessThan(0.8);
        assertThat(full[0] + full[1] + full[2]).isGreaterThanOrEqualTo(0.8);
        var s = new TopPSampler(0.8);
        var rng = new Rng(13);
        int[] c = counts(() -> s.sample(X, rng), X.length);
        double[] intended = softmaxOver(X, 1.0, 0, 1, 2);
        double[] wrong = softmaxOver(X, 1.0, 0, 1);                    // stopped one token early
        assertThat(ChiSquare.accepts(c, intended)).as("X2 = %s", ChiSquare.statistic(c, intended)).isTrue();
        assertThat(ChiSquare.accepts(c, wrong)).isFalse();
    }

    @Test
    void chainAppliesPenaltyTemperatureTopKTopPInThatOrder() {
        double[] x = {2.0, 1.0, 0.5, -0.5, -1.0};
        // generated so far: 0, 0, 3. Penalty r = 2: x0 = 2 / 2 = 1.0 (positive: divided), x3 = -0.5 * 2 = -1.0
        // (negative: multiplied), once each. Logits now {1.0, 1.0, 0.5, -1.0, -1.0}.
        // t = 0.5: {2, 2, 1, -2, -2}. top-k 4: drops the last of the tied pair (id 4, the higher id).
        // probabilities over {0,1,2,3} of exp(2), exp(2), exp(1), exp(-2): 0.4209 0.4209 0.1548 0.0034;
        // top-p 0.9: 0.842 < 0.9 <= 0.9966, so {0, 1, 2} remain.
        var chain = new SampleConfig(0.5, 4, 0.9, 2.0, 0).sampler();
        var rng = new Rng(14);
        int[] generated = {0, 0, 3};
        int[] c = counts(() -> chain.sample(x, generated, 3, rng), x.length);
        double[] intended = softmaxOver(new double[] {1.0, 1.0, 0.5, -1.0, -1.0}, 0.5, 0, 1, 2);
        double[] wrong = softmaxOver(x, 0.5, 0, 1, 2);                // penalty forgotten
        assertThat(ChiSquare.accepts(c, intended)).as("X2 = %s", ChiSquare.statistic(c, intended)).isTrue();
        assertThat(ChiSquare.accepts(c, wrong)).isFalse();
    }

    @Test
    void repetitionPenaltyByHand() {
        double[] x = {3.0, -2.0, 0.0, 1.0};
        new RepetitionPenalty(1.5).apply(x, new int[] {0, 1, 2, 0, 99}, 4);   // 99 is beyond count
        assertThat(x).containsExactly(2.0, -3.0, 0.0, 1.0);
    }

    @Test
    void greedyTakesTheLowestIdAmongTies() {
        assertThat(new GreedySampler().sample(new double[] {1, 5, 2, 5}, new Rng(0))).isEqualTo(1);
        assertThat(new GreedySampler().sample(new float[] {Float.NEGATIVE_INFINITY, -3f}, new Rng(0))).isEqualTo(1);
    }

    @Test
    void tinyTemperatureStaysFiniteAndIsGreedy() {
        double[] x = {1e30, 1e30 + 1e15, -1e30, 0};
        for (double t : new double[] {1e-300, Double.MIN_VALUE, 0, -1}) {
            assertThat(new TemperatureSampler(t).sample(x, new Rng(1))).as("t = %s", t).isEqualTo(1);
        }
    }

    @Test
    void configNamesTheBadKey() {
        assertThatThrownBy(() -> new SampleConfig(1, -1, 1, 1, 0)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("sample.top_k");
        assertThatThrownBy(() -> new SampleConfig(1, 0, 0, 1, 0)).hasMessageContaining("sample.top_p");
        assertThatThrownBy(() -> new SampleConfig(1, 0, 1.5, 1, 0)).hasMessageContaining("sample.top_p");
        assertThatThrownBy(() -> new SampleConfig(Double.NaN, 0, 1, 1, 0)).hasMessageContaining("sample.temperature");
        assertThatThrownBy(() -> new SampleConfig(1, 0, 1, 0.5, 0)).hasMessageContaining("sample.repetition_penalty");
    }

    // ---- properties ---------------------------------------------------------------------------------------

    @Provide
    Arbitrary<double[]> logits() {
        return Arbitraries.doubles().between(-6, 6).ofScale(2).array(double[].class).ofMinSize(2).ofMaxSize(12);
    }

    @Property(tries = 200)
    void topKSamplesOnlyFromTheKLargest(@ForAll("logits") double[] x, @ForAll @IntRange(min = 1, max = 12) int k,
                                       @ForAll long seed) {
        int id = new TopKSampler(k).sample(x, new Rng(seed));
        long strictlyLarger = Arrays.stream(x).filter(v -> v > x[id]).count();
        assertThat(strictlyLarger).isLessThan(k);
    }

    @Property(tries = 200)
    void topPSamplesOnlyFromTheNucleus(@ForAll("logits") double[] x, @ForAll @DoubleRange(min = 0.01, max = 1) double p,
                                       @ForAll long seed) {
        int id = new TopPSampler(p).sample(x, new Rng(seed));
        double[] probs = softmaxOver(x, 1.0, java.util.stream.IntStream.range(0, x.length).toArray());
        double massAbove = 0;                       // tokens strictly more likely than the one drawn
        for (int i = 0; i < x.length; i++) {
            massAbove += x[i] > x[id] ? probs[i] : 0;
        }
        assertThat(massAbove).isLessThan(p + 1e-12);
    }

    @Property(tries = 200)
    void forbiddenTokensAreNeverSampled(@ForAll("logits") double[] x, @ForAll long seed,
                                        @ForAll @DoubleRange(min = 0.1, max = 3) double t) {
        for (int i = 0; i < x.length; i += 2) {
            x[i] = Double.NEGATIVE_INFINITY;          // even ids forbidden
        }
        var rng = new Rng(seed);
        for (Sampler s : new Sampler[] {new TemperatureSampler(t), new TopKSampler(3), new TopPSampler(0.9),
                new SampleConfig(t, 2, 0.95, 1.3, 0).sampler()}) {
            assertThat(s.sample(x, rng) % 2).as(s.toString()).isEqualTo(1);
        }
    }

    @Property(tries = 200)
    void degenerateSettingsEqualGreedy(@ForAll("logits") double[] x, @ForAll long seed) {
        int greedy = new GreedySampler().sample(x, new Rng(seed));
        assertThat(new TopKSampler(1).sample(x, new Rng(seed))).isEqualTo(greedy);
        assertThat(new TopPSampler(1e-9).sample(x, new Rng(seed))).isEqualTo(greedy);
        assertThat(new SampleConfig(1.0, 1, 1.0, 1.0, 0).sampler().sample(x, new Rng(seed))).isEqualTo(greedy);
        assertThat(new SampleConfig(0.0, 0, 1.0, 1.0, 0).sampler().sample(x, new Rng(seed))).isEqualTo(greedy);
    }

    @Property(tries = 100)
    void tinyTemperatureEqualsGreedyWithoutTies(@ForAll("logits") double[] x, @ForAll long seed) {
        if (Arrays.stream(x).distinct().count() != x.length) {
            return;                                   // with ties a tiny temperature draws among the tied maxima
        }
        assertThat(new TemperatureSampler(1e-12).sample(x, new Rng(seed))).isEqualTo(new GreedySampler().sample(x, new Rng(0)));
    }

    @Property(tries = 50)
    void sameSeedSameDraws(@ForAll("logits") double[] x, @ForAll long seed) {
        var s = new SampleConfig(0.9, 5, 0.9, 1.0, seed).sampler();
        var a = new Rng(seed);
        var b = new Rng(seed);
        for (int n = 0; n < 20; n++) {
            assertThat(s.sample(x, a)).isEqualTo(s.sample(x, b));
        }
    }
}
