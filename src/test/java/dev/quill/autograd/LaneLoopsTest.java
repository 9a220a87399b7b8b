package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The scalar twins in {@link LaneLoops} give {@link VectorAttention}'s loops' bits exactly, so that attention
 * may switch from one to the other mid-run without changing a result.
 */
class LaneLoopsTest {

    private static final int L = VectorAttention.L;

    @Property(tries = 60)
    void everyLoopEqualsItsVectorFormBitForBit(@ForAll @IntRange(min = 1, max = 70) int t,
                                               @ForAll @IntRange(min = 1, max = 40) int d,
                                               @ForAll long seed) {
        Random random = new Random(seed);
        int tp = round(t), dp = round(d);
        float[] q = random(tp * dp, random), kt = random(dp * tp, random), v = random(tp * dp, random);
        float[] mask = random(tp * tp, random);
        float scale = 1f / (float) Math.sqrt(d);

        float[] sV = new float[tp * tp], sS = new float[tp * tp];
        VectorAttention.lower(q, dp, kt, tp, sV, d, t);
        LaneLoops.lower(q, dp, kt, tp, sS, d, t, L);
        assertSameBits(sS, sV, "lower");

        VectorAttention.softmaxRows(sV, tp, t, scale);
        LaneLoops.softmaxRows(sS, tp, t, scale, L);
        assertSameBits(sS, sV, "softmaxRows");

        for (boolean lower : new boolean[] {true, false}) {
            float[] yV = new float[tp * dp], yS = new float[tp * dp];
            VectorAttention.mix(sV, tp, v, dp, yV, dp, t, lower);
            LaneLoops.mix(sS, tp, v, dp, yS, dp, t, lower);
            assertSameBits(yS, yV, "mix lower=" + lower);
        }

        for (float[] m : new float[][] {null, mask}) {
            float[] gV = random(tp * tp, random), gS = gV.clone();
            VectorAttention.softmaxBackwardRows(gV, sV, m, tp, t, scale);
            LaneLoops.softmaxBackwardRows(gS, sS, m, tp, t, scale, L);
            assertSameBits(gS, gV, "softmaxBackwardRows mask=" + (m != null));
        }
    }

    @Property(tries = 200)
    void expEqualsTheVectorExpBitForBit(@ForAll float x) {
        float input = Float.isNaN(x) || x > 0 ? -Math.abs(x % 90f) : x;   // the softmax feeds x <= 0
        float[] lanes = new float[L], out = new float[L];
        Arrays.fill(lanes, input);
        VectorAttention.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, lanes, 0)).intoArray(out, 0);
        assertThat(Float.floatToRawIntBits(LaneLoops.exp(input))).as("exp(%s)", input)
                .isEqualTo(Float.floatToRawIntBits(out[0]));
    }

    private static int round(int n) {
        return (n + L - 1) / L * L;
    }

    private static float[] random(int n, Random random) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian();
        }
        return a;
    }

    private static void assertSameBits(float[] actual, float[] expected, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(expected[i])) {
                assertThat(actual[i]).as("%s at %d", what, i).isEqualTo(expected[i]);
                assertThat(Float.floatToRawIntBits(actual[i])).as("%s bits at %d", what, i)
                        .isEqualTo(Float.floatToRawIntBits(expected[i]));
            }
        }
    }
}
