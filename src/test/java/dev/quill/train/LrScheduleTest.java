package dev.quill.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class LrScheduleTest {

    @Test
    void cosineHitsItsBoundariesExactly() {
        CosineWithWarmup s = new CosineWithWarmup(1e-3, 1e-4, 100, 2000);
        assertThat(s.lr(0)).isEqualTo(1e-3 * 1 / 101);
        assertThat(s.lr(99)).isEqualTo(1e-3 * 100 / 101);
        assertThat(s.lr(100)).isEqualTo(1e-3);                       // cos(0) = 1: the peak
        assertThat(s.lr(1050)).isCloseTo(0.55e-3, within(1e-15));    // halfway: the mean of max and min
        assertThat(s.lr(2000)).isCloseTo(1e-4, within(1e-18));
        assertThat(s.lr(5000)).isEqualTo(1e-4);
    }

    @Test
    void linearAndConstant() {
        LinearWithWarmup s = new LinearWithWarmup(1.0, 0.0, 0, 10);
        assertThat(s.lr(0)).isEqualTo(1.0);
        assertThat(s.lr(5)).isEqualTo(0.5);
        assertThat(s.lr(10)).isEqualTo(0.0);
        assertThat(new LrSchedule.Constant(0.3).lr(12345)).isEqualTo(0.3);
    }

    @Property(tries = 200)
    void neverBelowMinAfterWarmupAndNeverAboveMax(@ForAll @IntRange(min = 0, max = 300) int warmup,
                                                  @ForAll @IntRange(min = 0, max = 3000) int decay,
                                                  @ForAll @IntRange(min = 0, max = 5000) int it, @ForAll boolean cosine) {
        LrSchedule s = cosine ? new CosineWithWarmup(1e-3, 1e-4, warmup, decay) : new LinearWithWarmup(1e-3, 1e-4, warmup, decay);
        double lr = s.lr(it);
        assertThat(lr).isPositive().isLessThanOrEqualTo(1e-3);
        if (it >= warmup) {
            assertThat(lr).isGreaterThanOrEqualTo(1e-4 - 1e-18);
        } else {
            assertThat(lr).isLessThan(1e-3); // a run shorter than its warmup stays in warmup
        }
    }

    @Property(tries = 100)
    void continuousAfterWarmup(@ForAll @IntRange(min = 0, max = 200) int warmup, @ForAll @IntRange(min = 1, max = 2000) int span,
                               @ForAll boolean cosine) {
        int decay = warmup + span;
        LrSchedule s = cosine ? new CosineWithWarmup(1e-3, 1e-4, warmup, decay) : new LinearWithWarmup(1e-3, 1e-4, warmup, decay);
        // neighbouring steps differ by at most the slope bound: (max - min) * pi / 2 / span per step
        double bound = (1e-3 - 1e-4) * Math.PI / 2 / span + 1e-15;
        for (int it = warmup; it < decay + 5; it++) {
            assertThat(Math.abs(s.lr(it + 1) - s.lr(it))).isLessThanOrEqualTo(bound);
        }
        // and warmup climbs in equal steps to just below the peak
        for (int it = 0; it + 1 < warmup; it++) {
            assertThat(s.lr(it + 1) - s.lr(it)).isCloseTo(1e-3 / (warmup + 1), within(1e-15));
        }
    }
}
