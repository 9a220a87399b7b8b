package dev.quill.data.sft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.data.Batch;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** One conversation, one row of T positions: pads after, truncation at T + 1 tokens, flagged. */
class SftRowTest {

    private static final int PAD = 99;
    private static final int X = -1;

    /** ids 10, 11, ..., with the target of position t = id t+1 where {@code trained[t]}, else -1. */
    private static RenderedChat chat(int n) {
        int[] ids = new int[n];
        int[] targets = new int[n];
        for (int t = 0; t < n; t++) {
            ids[t] = 10 + t;
            targets[t] = t + 1 < n && t % 2 == 1 ? 10 + t + 1 : X; // every odd position trained
        }
        return new RenderedChat(ids, targets);
    }

    @Test
    void aShortConversationIsPaddedWithIgnoredTargets() {
        SftRow row = SftRow.of(chat(5), 8, PAD);
        assertThat(row.inputs()).containsExactly(10, 11, 12, 13, 14, PAD, PAD, PAD);
        assertThat(row.targets()).containsExactly(X, 12, X, 14, X, X, X, X);
        assertThat(row.truncated()).isFalse();
        assertThat(row.trainedCount()).isEqualTo(2);
    }

    @Test
    void exactlyTPlusOneTokensFitWithoutTruncation() {
        // T = 4 inputs take ids 0..3, and id 4 is still the target of position 3
        SftRow row = SftRow.of(chat(5), 4, PAD);
        assertThat(row.inputs()).containsExactly(10, 11, 12, 13);
        assertThat(row.targets()).containsExactly(X, 12, X, 14);
        assertThat(row.truncated()).isFalse();
    }

    @Test
    void oneMoreTokenIsATruncation() {
        SftRow row = SftRow.of(chat(6), 4, PAD);
        assertThat(row.inputs()).containsExactly(10, 11, 12, 13);
        assertThat(row.targets()).containsExactly(X, 12, X, 14); // token 15 is lost
        assertThat(row.truncated()).isTrue();
    }

    @Property(tries = 300)
    void aRowIsThePrefixThenPadding(@ForAll @IntRange(min = 1, max = 40) int n, @ForAll @IntRange(min = 1, max = 40) int t) {
        RenderedChat c = chat(n);
        SftRow row = SftRow.of(c, t, PAD);
        assertThat(row.blockSize()).isEqualTo(t);
        for (int i = 0; i < t; i++) {
            assertThat(row.inputs()[i]).isEqualTo(i < n ? c.ids()[i] : PAD);
            assertThat(row.targets()[i]).isEqualTo(i < n ? c.targets()[i] : X);
            if (row.targets()[i] != X) { // a trained target is always the next input or, at the end, token T
                assertThat(row.targets()[i]).isEqualTo(i + 1 < t ? row.inputs()[i + 1] : c.ids()[t]);
            }
        }
        assertThat(row.truncated()).isEqualTo(n > t + 1);
    }

    @Test
    void rowsStackIntoABatch() {
        Batch b = SftRow.toBatch(List.of(SftRow.of(chat(3), 4, PAD), SftRow.of(chat(6), 4, PAD)));
        assertThat(b.batchSize()).isEqualTo(2);
        assertThat(b.blockSize()).isEqualTo(4);
        assertThat(b.inputIds()).containsExactly(10, 11, 12, PAD, 10, 11, 12, 13);
        assertThat(b.targetIds()).containsExactly(X, 12, X, X, X, 12, X, 14);
        assertThat(b.targets().getInt(1, 3)).isEqualTo(14);
        assertThat(SftBatches.trainedTargets(b)).isEqualTo(3);
    }
}
