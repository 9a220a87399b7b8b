package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** The softmax's exp in {@link VectorAttention}: accuracy against Math.exp, and its floor. */
class VectorExpTest {

    @Test
    void expMatchesMathExpAndStopsAtTheSmallestNormal() {
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        float[] x = new float[4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = -100f * i / x.length;                            // 0 down to -100: past the smallest normal
        }
        x[1] = Float.NEGATIVE_INFINITY;                              // a masked key
        x[2] = -0f;
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i += lanes) {
            VectorAttention.exp(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, x, i)).intoArray(y, i);
        }
        for (int i = 0; i < x.length; i++) {
            double e = Math.exp(x[i]);
            if (x[i] < -87.33654f) {
                // e^-87.33654, about the smallest normal float: negligible beside a softmax's sum, never a NaN
                assertThat((double) y[i]).as("exp(%s)", x[i]).isCloseTo(Float.MIN_NORMAL, within(1e-5 * Float.MIN_NORMAL));
            } else {
                assertThat((double) y[i]).as("exp(%s)", x[i]).isCloseTo(e, within(1.5e-7 * e));
            }
        }
        assertThat(y[0]).isEqualTo(1f);
        assertThat(y[2]).isEqualTo(1f);
    }
}
