package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.data.Offset.offset;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The start-up compile of the step's kernels: it starts, switches sizes, ends by itself or when asked, and can be refused. */
class WarmupTest {

    private static final Warmup.ModelSizes DROPOUT = new Warmup.ModelSizes(64, 128, 4, 512, 65, false, 0.1);
    private static final Warmup.ModelSizes TINY = new Warmup.ModelSizes(16, 32, 2, 64, 17, true, 0.0);

    @AfterEach
    void clear() {
        Warmup.reset();
        System.clearProperty("quill.warmup");
    }

    @Test
    void aWarmUpThreadStartsOnceAndStopEndsIt() {
        Warmup.reset();
        Warmup.compile(DROPOUT);
        Thread t = Warmup.thread();
        assertThat(t).as("the Vector API module is on the test JVM's command line").isNotNull();
        assertThat(t.isDaemon()).isTrue();
        Warmup.compile(DROPOUT);
        assertThat(Warmup.thread()).isSameAs(t);                  // one thread at a time
        Warmup.stop();
        assertThat(t.isAlive()).isFalse();
        Warmup.compile(Warmup.ModelSizes.SMALL);
        assertThat(Warmup.thread()).isSameAs(t);                  // never after stop
    }

    @Test
    void aSecondCallSwitchesTheRunningThreadToItsSizes() {
        Warmup.reset();
        Warmup.compile(Warmup.ModelSizes.SMALL);
        Thread t = Warmup.thread();
        Warmup.compile(TINY);
        awaitUpTo(30, () -> TINY.equals(Warmup.running()) || !t.isAlive());
        assertThat(Warmup.running()).isEqualTo(TINY);
        assertThat(Warmup.thread()).isSameAs(t);
        Warmup.compile(new Warmup.ModelSizes(64, 0, 0, 512, 65, false, 0.0));    // not a model: ignored
        assertThat(Warmup.running()).isEqualTo(TINY);
        Warmup.stop();
        assertThat(t.isAlive()).isFalse();
    }

    @Test
    void aThreadThatFinishedStartsAgainForOtherSizesOnly() {
        Warmup.reset();
        Warmup.compile(TINY);
        Thread first = Warmup.thread();
        awaitUpTo(120, () -> !first.isAlive());                    // it ends by itself once its rounds run compiled
        assertThat(first.isAlive()).isFalse();
        Warmup.compile(TINY);
        assertThat(Warmup.thread()).isSameAs(first);               // done with these
        Warmup.compile(DROPOUT);
        assertThat(Warmup.thread()).isNotSameAs(first);            // the run's sizes came late: compiled again
        awaitUpTo(30, () -> DROPOUT.equals(Warmup.running()));
        assertThat(Warmup.running()).isEqualTo(DROPOUT);
    }

    @Test
    void offMeansNoThread() {
        Warmup.reset();
        System.setProperty("quill.warmup", "off");
        Warmup.compile(Warmup.ModelSizes.SMALL);
        assertThat(Warmup.thread()).isNull();
    }

    @Test
    void theLoopEndsByItselfOnceItRunsCompiled() {
        // nobody asks it to stop: it returns when 256 rounds in a row run near the fastest one's speed
        KernelRounds kernels = new KernelRounds(16, 32, 128, 65, false);
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> VectorAttention.warmUp(16, 8, true, kernels, () -> false));
    }

    @Test
    void kernelRoundsAtGpt2SizeTakeAtMost64Rows() {
        // 64 of the 1,024 rows, and 5 rows of 50,257 logits: a round stays short even before it is compiled
        KernelRounds r = new KernelRounds(1024, 768, 3072, 50257, true);
        assertThat(r.rows()).isEqualTo(64);
        assertThat(r.logitRows()).isEqualTo(5);
        assertTimeoutPreemptively(Duration.ofSeconds(60), r::run);
        double[] means = r.layerNormRowMeans();
        assertThat(means).hasSize(64);
        for (double mean : means) {                                // LayerNorm with gain 1 and shift 0: each row's mean 0
            assertThat(mean).isCloseTo(0.0, offset(1e-5));
        }
    }

    @Test
    void kernelRoundsForRowsWiderThanAScratchArraySkipLayerNorm() {
        // n_embd 4,096 is more than a scratch array holds: LayerNorm's kernel takes its plain path there
        assertThatCode(() -> new KernelRounds(64, 4096, 64, 65, false).run()).doesNotThrowAnyException();
    }

    private static void awaitUpTo(int seconds, BooleanSupplier condition) {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (!condition.getAsBoolean() && System.nanoTime() < end) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
