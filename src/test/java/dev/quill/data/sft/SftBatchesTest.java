package dev.quill.data.sft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quill.autograd.Rng;
import dev.quill.config.BadInputException;
import dev.quill.data.Batch;
import dev.quill.data.Prefetcher;
import dev.quill.data.Tokens;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Mixture exact per batch, epochs, determinism and resume. */
class SftBatchesTest {

    private static final int T = 8;
    private static final int TEXT_BASE = 1000; // text token i is 1000 + i; SFT ids stay below 1000

    /** Plain text whose every token tells where it came from. */
    private static final Tokens TEXT = Tokens.of(IntStream.range(0, 5000).map(i -> TEXT_BASE + i).toArray());

    /** n SFT rows; row r's inputs all equal r, its first target is r and the rest -1. */
    private static List<SftRow> rows(int n) {
        var out = new ArrayList<SftRow>();
        for (int r = 0; r < n; r++) {
            int[] in = new int[T];
            int[] tg = new int[T];
            java.util.Arrays.fill(in, r);
            java.util.Arrays.fill(tg, -1);
            tg[0] = r;
            out.add(new SftRow(in, tg, false));
        }
        return out;
    }

    private static boolean isTextRow(Batch b, int row) {
        return b.inputIds()[row * b.blockSize()] >= TEXT_BASE;
    }

    private static int textRows(Batch b) {
        return (int) IntStream.range(0, b.batchSize()).filter(r -> isTextRow(b, r)).count();
    }

    @Test
    void aQuarterOfTwelveIsThreeTextRowsInEveryBatch() {
        SftBatches s = SftBatches.create(rows(40), TEXT, 12, T, 0.25, 1);
        for (int k = 0; k < 50; k++) {
            Batch b = s.next();
            assertThat(textRows(b)).as("batch %d", k).isEqualTo(3);
            // text rows first, then SFT rows
            assertThat(IntStream.range(0, 12).filter(r -> isTextRow(b, r)).toArray()).containsExactly(0, 1, 2);
        }
        assertThat(s.realizedMixRatio()).isEqualTo(0.25);
    }

    @Test
    void aTenthOfTwelveCarriesTheRemainderSoTheLongRunIsExact() {
        SftBatches s = SftBatches.create(rows(40), TEXT, 12, T, 0.1, 1);
        int total = 0;
        var perBatch = new ArrayList<Integer>();
        for (int k = 1; k <= 100; k++) {
            int n = textRows(s.next());
            perBatch.add(n);
            total += n;
            // after k batches, round(1.2 k) text rows: never more than half a row off
            assertThat(total).as("after %d batches", k).isEqualTo((int) Math.round(1.2 * k));
        }
        // cumulative round(1.2 k) for k = 1..10: 1, 2, 4 (3.6), 5 (4.8), 6, 7 (7.2), 8 (8.4), 10 (9.6), 11 (10.8), 12
        assertThat(perBatch.subList(0, 10)).containsExactly(1, 1, 2, 1, 1, 1, 1, 2, 1, 1);
        assertThat(total).isEqualTo(120); // exactly 10% of 1,200 rows
        assertThat(s.realizedMixRatio()).isEqualTo(0.1);
        assertThat(s.textRows(2)).isEqualTo(2); // batch index 2 is the third batch
        assertThat(s.textRows(3)).isEqualTo(1);
    }

    @Test
    void textRowsAreContiguousWindowsEveryTargetTrained() {
        SftBatches s = SftBatches.create(rows(5), TEXT, 6, T, 0.5, 3);
        for (int k = 0; k < 20; k++) {
            Batch b = s.next();
            for (int r = 0; r < 3; r++) {
                int first = b.inputIds()[r * T];
                for (int t = 0; t < T; t++) {
                    assertThat(b.inputIds()[r * T + t]).isEqualTo(first + t);
                    assertThat(b.targetIds()[r * T + t]).isEqualTo(first + t + 1);
                }
                assertThat(first + T).isLessThan(TEXT_BASE + 5000); // the window's last target is inside the text
            }
        }
    }

    @Test
    void eachEpochVisitsEveryRowOnceInANewOrder() {
        int n = 30;
        SftBatches s = SftBatches.create(rows(n), null, 5, T, 0.0, 9);
        var order = new ArrayList<Integer>();
        for (int k = 0; k < 12; k++) { // 60 rows: two epochs
            Batch b = s.next();
            assertThat(textRows(b)).isZero();
            for (int r = 0; r < 5; r++) {
                order.add(b.inputIds()[r * T]);
            }
        }
        assertThat(new HashSet<>(order.subList(0, n))).hasSize(n);
        assertThat(new HashSet<>(order.subList(n, 2 * n))).hasSize(n);
        assertThat(order.subList(0, n)).isNotEqualTo(order.subList(n, 2 * n));
        assertThat(order.subList(0, n)).isNotEqualTo(IntStream.range(0, n).boxed().toList()); // shuffled
        assertThat(s.epochs()).isEqualTo(2.0);
    }

    @Test
    void restoringTheStateGivesTheSameNextBatches() {
        SftBatches a = SftBatches.create(rows(17), TEXT, 12, T, 0.3, 42);
        for (int k = 0; k < 7; k++) {
            a.next();
        }
        long state = a.state();
        assertThat(state).isEqualTo(7);
        SftBatches b = SftBatches.restore(rows(17), TEXT, 12, T, 0.3, 42, state);
        for (int k = 0; k < 10; k++) {
            Batch x = a.next();
            Batch y = b.next();
            assertThat(y.inputIds()).isEqualTo(x.inputIds());
            assertThat(y.targetIds()).isEqualTo(x.targetIds());
        }
        assertThat(b.state()).isEqualTo(a.state());
    }

    @Test
    void theSameSeedGivesTheSameBatchesAndAnotherSeedOthers() {
        SftBatches a = SftBatches.create(rows(17), TEXT, 12, T, 0.3, 42);
        SftBatches b = SftBatches.create(rows(17), TEXT, 12, T, 0.3, 42);
        SftBatches c = SftBatches.create(rows(17), TEXT, 12, T, 0.3, 43);
        boolean differs = false;
        for (int k = 0; k < 5; k++) {
            Batch x = a.next();
            assertThat(b.next().inputIds()).isEqualTo(x.inputIds());
            differs |= !java.util.Arrays.equals(c.next().inputIds(), x.inputIds());
        }
        assertThat(differs).isTrue();
    }

    @Test
    void aPrefetcherOverSftBatchesResumesExactly() {
        var direct = SftBatches.create(rows(17), TEXT, 4, T, 0.25, 5);
        var expected = new ArrayList<int[]>();
        for (int k = 0; k < 6; k++) {
            expected.add(direct.next().inputIds());
        }
        long state;
        try (var p = new Prefetcher(SftBatches.create(rows(17), TEXT, 4, T, 0.25, 5), 2)) {
            for (int k = 0; k < 3; k++) {
                assertThat(p.next().inputIds()).isEqualTo(expected.get(k));
            }
            state = p.state();
        }
        var resumed = SftBatches.restore(rows(17), TEXT, 4, T, 0.25, 5, state);
        for (int k = 3; k < 6; k++) {
            assertThat(resumed.next().inputIds()).isEqualTo(expected.get(k));
        }
    }

    @Test
    void streamOutputJumpsStraightToTheNthDraw() {
        for (long seed : new long[]{0, 42, -7}) {
            Rng stepped = new Rng(seed);
            for (int n = 0; n < 20; n++) {
                long nth = stepped.nextLong();
                assertThat(SftBatches.streamOutput(seed, n).state()).isEqualTo(nth);
            }
        }
    }

    @Test
    void misuseIsReported() {
        assertThatThrownBy(() -> SftBatches.create(rows(3), null, 4, T, 0.5, 1)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("needs plain training text");
        assertThatThrownBy(() -> SftBatches.create(List.of(), TEXT, 4, T, 0.5, 1)).isInstanceOf(BadInputException.class);
        assertThatThrownBy(() -> SftBatches.create(rows(3), Tokens.of(new int[T]), 4, T, 0.5, 1))
                .isInstanceOf(BadInputException.class).hasMessageContaining("fewer than block_size + 1");
        assertThatThrownBy(() -> SftBatches.create(rows(3), TEXT, 4, T + 1, 0.5, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SftBatches.create(rows(3), TEXT, 4, T, 1.0, 1)).isInstanceOf(BadInputException.class);
    }
}
