package dev.quill.data;

import dev.quill.config.BadInputException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.ArrayList;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Splits, random training windows and sequential evaluation windows. */
class SamplingTest {

    /** Token i is i: a window's content then tells exactly where it came from. */
    private static Tokens ramp(int n) {
        return Tokens.of(IntStream.range(0, n).toArray());
    }

    @Test
    void tinyShakespeareSplitsIntoNanoGptsCounts() {
        var tok = CharTokenizer.train(TestData.tinyShakespeare());
        var split = TokenSplit.of(Tokens.of(tok.encode(TestData.tinyShakespeare())));
        // nanoGPT prepare.py: train has 1,003,854 tokens, val has 111,540
        assertThat(split.train().size()).isEqualTo(1_003_854);
        assertThat(split.val().size()).isEqualTo(111_540);
        assertThat(split.val().get(0)).isEqualTo(tok.encode(TestData.tinyShakespeare().substring(1_003_854, 1_003_855))[0]);
    }

    @Property(tries = 200)
    void splitIsACutWithFloorOfTheTrainShare(@ForAll @IntRange(min = 2, max = 5000) int n,
                                             @ForAll @IntRange(min = 0, max = 50) int percent) {
        var split = TokenSplit.of(ramp(n), percent / 100.0);
        long expectedTrain = (long) Math.floor(n * (1 - percent / 100.0));
        assertThat(split.train().size()).isEqualTo(expectedTrain);
        assertThat(split.train().size() + split.val().size()).isEqualTo(n);
        if (split.val().size() > 0) {
            assertThat(split.val().get(0)).isEqualTo((int) expectedTrain); // val starts right after train
        }
    }

    @Test
    void badFractionsAreBadInput() {
        assertThatThrownBy(() -> TokenSplit.of(ramp(10), 1.0)).isInstanceOf(BadInputException.class);
        assertThatThrownBy(() -> TokenSplit.of(ramp(10), Double.NaN)).isInstanceOf(BadInputException.class);
    }

    @Property(tries = 100)
    void targetsAreInputsShiftedByOneAndOffsetsInRange(@ForAll @IntRange(min = 2, max = 300) int n,
                                                       @ForAll @IntRange(min = 1, max = 8) int b,
                                                       @ForAll @IntRange(min = 1, max = 40) int t,
                                                       @ForAll long seed) {
        if (n < t + 1) {
            assertThatThrownBy(() -> RandomWindowSampler.create(ramp(n), b, t, seed)).isInstanceOf(BadInputException.class);
            return;
        }
        var sampler = RandomWindowSampler.create(ramp(n), b, t, seed);
        Batch batch = sampler.next();
        assertThat(batch.batchSize()).isEqualTo(b);
        assertThat(batch.blockSize()).isEqualTo(t);
        int[] in = batch.inputIds();
        int[] tg = batch.targetIds();
        for (int row = 0; row < b; row++) {
            int offset = in[row * t];                  // ramp: the first id is the offset
            assertThat(offset).isBetween(0, n - t - 1);
            for (int j = 0; j < t; j++) {
                assertThat(in[row * t + j]).isEqualTo(offset + j);
                assertThat(tg[row * t + j]).isEqualTo(offset + j + 1);
            }
        }
    }

    @Test
    void batchesAreInt32NdArraysOfShapeBT() {
        Batch batch = RandomWindowSampler.create(ramp(100), 4, 8, 1).next();
        assertThat(batch.inputs().shape()).containsExactly(4, 8);
        assertThat(batch.targets().shape()).containsExactly(4, 8);
        assertThat(batch.inputs().dataType()).isEqualTo(DataType.INT32);
        assertThat(batch.inputs().getInt(2, 3)).isEqualTo(batch.inputIds()[2 * 8 + 3]);
        assertThat(batch.targets().getInt(3, 7)).isEqualTo(batch.targetIds()[3 * 8 + 7]);
    }

    @Test
    void batchesMadeInsideAWorkspaceAreNotAttachedToIt() {
        Batch batch;
        try (var ws = org.nd4j.linalg.factory.Nd4j.getWorkspaceManager().getAndActivateWorkspace("quill-test-ws")) {
            batch = RandomWindowSampler.create(ramp(100), 2, 4, 3).next();
            assertThat(batch.inputs().isAttached()).isFalse();
        }
        // the workspace is closed: an attached array would now fail loudly
        assertThat(batch.targets().sumNumber().longValue())
                .isEqualTo(IntStream.of(batch.targetIds()).asLongStream().sum());
    }

    @Test
    void everyOffsetIncludingTheLastIsReachable() {
        // n = 12, T = 4: offsets 0..7; with enough draws all 8 appear, and none outside
        var sampler = RandomWindowSampler.create(ramp(12), 1, 4, 7);
        var seen = new java.util.TreeSet<Integer>();
        for (int i = 0; i < 500; i++) {
            seen.add(sampler.next().inputIds()[0]);
        }
        assertThat(seen).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    }

    @Test
    void restoringTheStateContinuesWithTheSameBatches() {
        var tokens = ramp(10_000);
        var a = RandomWindowSampler.create(tokens, 3, 16, 1234);
        for (int k = 0; k < 7; k++) {
            a.next();
        }
        long saved = a.state();
        var b = RandomWindowSampler.restore(tokens, 3, 16, saved);
        for (int k = 0; k < 5; k++) {
            assertThat(b.next().inputIds()).containsExactly(a.next().inputIds());
        }
        var c = RandomWindowSampler.create(tokens, 3, 16, 1235);
        assertThat(c.next().inputIds()).isNotEqualTo(RandomWindowSampler.create(tokens, 3, 16, 1234).next().inputIds());
    }

    @Test
    void sequentialWindowsCoverEveryTokenOnceAndDropTheTail() {
        // n = 23, T = 5: windows [0..5], [5..10], [10..15], [15..20]; 20..22 is a partial window, dropped
        var windows = new SequentialWindows(ramp(23), 3, 5);
        assertThat(windows.windowCount()).isEqualTo(4);
        assertThat(windows.batchCount()).isEqualTo(2);
        assertThat(windows.predictedTokens()).isEqualTo(20);
        var starts = new ArrayList<Integer>();
        var sizes = new ArrayList<Integer>();
        for (Batch batch : windows) {
            sizes.add(batch.batchSize());
            for (int row = 0; row < batch.batchSize(); row++) {
                starts.add(batch.inputIds()[row * 5]);
                assertThat(batch.targetIds()[row * 5 + 4]).isEqualTo(batch.inputIds()[row * 5] + 5);
            }
        }
        assertThat(starts).containsExactly(0, 5, 10, 15);
        assertThat(sizes).containsExactly(3, 1);
    }

    @Property(tries = 100)
    void sequentialWindowCountIsFloorOfNMinusOneOverT(@ForAll @IntRange(min = 2, max = 500) int n,
                                                      @ForAll @IntRange(min = 1, max = 30) int t) {
        if (n < t + 1) {
            assertThatThrownBy(() -> new SequentialWindows(ramp(n), 2, t)).isInstanceOf(BadInputException.class)
                    .hasMessageContaining("block_size + 1");
            return;
        }
        var windows = new SequentialWindows(ramp(n), 2, t);
        int count = 0;
        int lastTarget = -1;
        for (Batch batch : windows) {
            count += batch.batchSize();
            lastTarget = batch.targetIds()[batch.targetIds().length - 1];
        }
        assertThat(count).isEqualTo((n - 1) / t);
        assertThat(lastTarget).isEqualTo(count * t).isLessThan(n);  // the last predicted token, in range
    }

    @Test
    void samplerWorksOverAMappedTokenFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        var path = dir.resolve("ramp.bin");
        try (var w = TokenFile.writer(path)) {
            w.write(IntStream.range(0, 1000).toArray());
            w.commit();
        }
        var fromFile = RandomWindowSampler.create(TokenFile.open(path), 2, 10, 9).next();
        var fromArray = RandomWindowSampler.create(ramp(1000), 2, 10, 9).next();
        assertThat(fromFile.inputIds()).containsExactly(fromArray.inputIds());
        assertThat(fromFile.targetIds()).containsExactly(fromArray.targetIds());
    }
}
