package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link VectorGelu} against {@link FastMath}'s loops (the same polynomials, unfused), and the elements past the
 * last whole vector against the lanes: the same bits wherever an element falls.
 */
class VectorGeluTest {

    private static final int LANES = FloatVector.SPECIES_PREFERRED.length();

    private static float[] inputs(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * 4);                  // past both clamps now and then
        }
        x[0] = 0f;
        x[1] = -0f;
        x[2] = 40f;
        x[3] = -40f;
        return x;
    }

    @ParameterizedTest(name = "tanh form {0}")
    @ValueSource(booleans = {false, true})
    void agreesWithFastMathsLoops(boolean tanhForm) {
        int n = 3 * LANES + 5;
        float[] x = inputs(n, 7), dy = inputs(n, 8);
        float[] y = new float[n], yLoops = new float[n], dx = new float[n], dxLoops = new float[n], scratch = new float[n],
                scratch2 = new float[n];
        VectorGelu.forward(x, y, n, tanhForm);
        VectorGelu.backward(x, dy, dx, n, tanhForm);
        if (tanhForm) {
            FastMath.geluTanh(x, yLoops, n);
            FastMath.geluTanhBackward(x, dy, dxLoops, scratch, n);
        } else {
            FastMath.gelu(x, yLoops, n);
            FastMath.geluBackward(x, dy, dxLoops, scratch, scratch2, n);
        }
        for (int i = 0; i < n; i++) {
            // fused and unfused roundings of the same formula: a few float ulps of the larger terms
            assertThat(y[i]).as("gelu(%s)", x[i]).isCloseTo(yLoops[i], within(4e-7f * (1 + Math.abs(x[i]))));
            assertThat(dx[i]).as("gelu'(%s) dy", x[i])
                    .isCloseTo(dxLoops[i], within(6e-7f * (1 + x[i] * x[i]) * (1 + Math.abs(dy[i]))));
        }
        assertThat(y[0]).isZero();
        assertThat(dx[0]).isEqualTo(dy[0] * 0.5f);                       // gelu'(0) = 1/2 in both forms
    }

    @ParameterizedTest(name = "tanh form {0}")
    @ValueSource(booleans = {false, true})
    void theTailGivesTheLanesBits(boolean tanhForm) {
        // each element alone (a call of one element runs the tail) against the same element in a lane
        int n = 125 * LANES;
        float[] x = inputs(n, 9), dy = inputs(n, 10);
        float[] y = new float[n], dx = new float[n], one = new float[1];
        VectorGelu.forward(x, y, n, tanhForm);
        VectorGelu.backward(x, dy, dx, n, tanhForm);
        for (int i = 0; i < n; i++) {
            VectorGelu.forward(new float[] {x[i]}, one, 1, tanhForm);
            assertThat(one[0]).as("gelu(%s)", x[i]).isEqualTo(y[i]);
            VectorGelu.backward(new float[] {x[i]}, new float[] {dy[i]}, one, 1, tanhForm);
            assertThat(one[0]).as("gelu'(%s) dy", x[i]).isEqualTo(dx[i]);
        }
    }
}
