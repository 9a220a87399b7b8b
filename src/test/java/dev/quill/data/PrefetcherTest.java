package dev.quill.data;

import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class PrefetcherTest {

    private static final Tokens TOKENS = Tokens.of(IntStream.range(0, 5000).toArray());

    @Test
    void givesTheSameBatchesAsTheSamplerAndAStateThatResumesThem() throws Exception {
        var plain = RandomWindowSampler.create(TOKENS, 4, 32, 99);
        long stateAfterThree;
        try (var prefetcher = new Prefetcher(RandomWindowSampler.create(TOKENS, 4, 32, 99), 2)) {
            for (int k = 0; k < 3; k++) {
                assertThat(prefetcher.next().inputIds()).containsExactly(plain.next().inputIds());
            }
            Thread.sleep(50); // let the worker run ahead and fill the queue
            stateAfterThree = prefetcher.state();
        }
        // the state counts batches handed out, not the ones queued ahead
        assertThat(stateAfterThree).isEqualTo(plain.state());
        var resumed = RandomWindowSampler.restore(TOKENS, 4, 32, stateAfterThree);
        assertThat(resumed.next().inputIds()).containsExactly(plain.next().inputIds());
    }

    @Test
    void closeStopsTheThread() {
        var prefetcher = new Prefetcher(RandomWindowSampler.create(TOKENS, 2, 8, 1), 1);
        prefetcher.next();
        assertThat(prefetcher.isRunning()).isTrue();
        prefetcher.close();
        assertThat(prefetcher.isRunning()).isFalse();
    }

    @Test
    void batchesBuiltOnTheWorkerThreadAreUsableHere() {
        try (var prefetcher = new Prefetcher(RandomWindowSampler.create(TOKENS, 2, 8, 5), 2)) {
            Batch batch = prefetcher.next();
            assertThat(batch.inputs().addi(0).sumNumber().longValue())
                    .isEqualTo(IntStream.of(batch.inputIds()).asLongStream().sum());
        }
    }
}
