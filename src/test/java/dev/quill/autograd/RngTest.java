package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class RngTest {

    @Test
    void aReservedBlockHoldsTheDrawsNextDoubleWouldHaveMade() {
        Rng sequential = new Rng(99);
        Rng reserved = new Rng(99);
        long start = reserved.reserve(1000);
        for (int i = 0; i < 1000; i++) {
            assertThat(Rng.uniformAt(start, i)).as("draw %d", i).isEqualTo(sequential.nextDouble());
        }
        assertThat(reserved.state()).isEqualTo(sequential.state());            // both continue alike
        assertThat(reserved.nextLong()).isEqualTo(sequential.nextLong());
    }

    @Test
    void splitMix64MatchesItsPublishedFirstOutputs() {
        // SplitMix64 seeded with 1234567: first outputs as printed by the reference C implementation
        // (Vigna's splitmix64.c), reproduced independently here with BigInteger arithmetic below.
        Rng r = new Rng(1234567);
        java.math.BigInteger mask = java.math.BigInteger.ONE.shiftLeft(64).subtract(java.math.BigInteger.ONE);
        java.math.BigInteger state = java.math.BigInteger.valueOf(1234567);
        for (int i = 0; i < 5; i++) {
            state = state.add(new java.math.BigInteger("9E3779B97F4A7C15", 16)).and(mask);
            java.math.BigInteger z = state;
            z = z.xor(z.shiftRight(30)).multiply(new java.math.BigInteger("BF58476D1CE4E5B9", 16)).and(mask);
            z = z.xor(z.shiftRight(27)).multiply(new java.math.BigInteger("94D049BB133111EB", 16)).and(mask);
            z = z.xor(z.shiftRight(31));
            assertThat(r.nextLong()).isEqualTo(z.longValue());
        }
    }

    @Test
    void skipEqualsThatManyDraws() {
        Rng walked = new Rng(99);
        for (int i = 0; i < 1000; i++) {
            walked.nextLong();
        }
        Rng skipped = new Rng(99).skip(1000);
        assertThat(skipped.nextLong()).isEqualTo(walked.nextLong());
        // two streams a fixed distance apart stay that far apart while both draw
        Rng a = new Rng(5), b = new Rng(5).skip(1L << 48);
        for (int i = 0; i < 100; i++) {
            a.nextDouble();
            b.nextDouble();
        }
        assertThat(b.state()).isEqualTo(new Rng(a.state()).skip(1L << 48).state());
    }

    @Test
    void stateRestoresTheStreamExactly() {
        Rng a = new Rng(99);
        for (int i = 0; i < 10; i++) {
            a.nextGaussian();
        }
        Rng b = new Rng(0).restore(a.state());
        for (int i = 0; i < 100; i++) {
            assertThat(b.nextLong()).isEqualTo(a.nextLong());
        }
    }

    @Property(tries = 20)
    void nextIntStaysInRange(@ForAll @IntRange(min = 1, max = Integer.MAX_VALUE) int bound, @ForAll long seed) {
        Rng r = new Rng(seed);
        for (int i = 0; i < 200; i++) {
            assertThat(r.nextInt(bound)).isBetween(0, bound - 1);
        }
    }

    @Test
    void gaussianHasMeanZeroAndVarianceOne() {
        Rng r = new Rng(7);
        int n = 200_000;
        double sum = 0, sq = 0;
        for (int i = 0; i < n; i++) {
            double g = r.nextGaussian();
            sum += g;
            sq += g * g;
        }
        // standard errors: mean 1/sqrt(n) ~ 0.0022, variance sqrt(2/n) ~ 0.0032; allow 5 of them
        assertThat(sum / n).isCloseTo(0.0, within(0.011));
        assertThat(sq / n - (sum / n) * (sum / n)).isCloseTo(1.0, within(0.016));
    }

    @Test
    void nextIntIsUniformByChiSquare() {
        Rng r = new Rng(3);
        int k = 10, n = 100_000;
        long[] counts = new long[k];
        for (int i = 0; i < n; i++) {
            counts[r.nextInt(k)]++;
        }
        double chi2 = 0;
        for (long c : counts) {
            chi2 += Math.pow(c - n / (double) k, 2) / (n / (double) k);
        }
        assertThat(chi2).isLessThan(27.88); // chi-square, 9 degrees of freedom, p = 0.001
    }
}
