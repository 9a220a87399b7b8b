package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Sums#ofSquares} on both paths against an exact sum, at lengths around the lanes and the stretches. */
class SumsTest {

    @ParameterizedTest(name = "vector API {0}")
    @ValueSource(booleans = {false, true})
    void sumOfSquaresIsCloseToTheExactSum(boolean vector) {
        Kernels.forceVector(vector);
        try {
            Random r = new Random(3);
            for (int n : new int[] {0, 1, 7, 8, 9, 31, 513, 1000, 4096, 70_001}) {
                float[] a = new float[n + 5];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) (r.nextGaussian() * 1e-2);
                }
                BigDecimal exact = BigDecimal.ZERO;
                for (int i = 0; i < n; i++) {
                    exact = exact.add(new BigDecimal(a[i]).multiply(new BigDecimal(a[i])));   // the first n only
                }
                double e = exact.doubleValue();
                // float squares and float partial sums of at most 64 values: relative 64 * 2^-24 at worst
                assertThat(Sums.ofSquares(a, n)).as("n = %d", n).isCloseTo(e, within(4e-6 * e + 1e-30));
            }
        } finally {
            Kernels.forceVector(null);
        }
    }
}
