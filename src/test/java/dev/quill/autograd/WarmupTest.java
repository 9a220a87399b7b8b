package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The start-up compile of the step's kernels: it starts, switches shape, ends by itself or when asked, and can be refused. */
class WarmupTest {

    private static final Warmup.Shape DROPOUT = new Warmup.Shape(64, 128, 4, 512, 65, false, 0.1);

    @AfterEach
    void clear() {
        Warmup.stop();
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
        assertThat(Warmup.thread()).isSameAs(t);                  // once per process
        Warmup.stop();
        assertThat(t.isAlive()).isFalse();
        Warmup.compile(Warmup.Shape.SMALL);
        assertThat(Warmup.thread()).isSameAs(t);                  // never after stop
        assertThat(Warmup.shape()).isEqualTo(DROPOUT);
    }

    @Test
    void aSecondCallSwitchesTheRunningThreadToItsShape() {
        Warmup.reset();
        Warmup.compile(Warmup.Shape.SMALL);
        Thread t = Warmup.thread();
        Warmup.Shape gpt2 = new Warmup.Shape(1024, 768, 12, 3072, 50257, true, 0.0);
        Warmup.compile(gpt2);
        assertThat(Warmup.thread()).isSameAs(t);
        assertThat(Warmup.shape()).isEqualTo(gpt2);
        Warmup.compile(new Warmup.Shape(64, 0, 0, 512, 65, false, 0.0));     // not a shape: ignored
        assertThat(Warmup.shape()).isEqualTo(gpt2);
        Warmup.stop();
        assertThat(t.isAlive()).isFalse();
    }

    @Test
    void offMeansNoThread() {
        Warmup.reset();
        System.setProperty("quill.warmup", "off");
        Warmup.compile(Warmup.Shape.SMALL);
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
        for (double mean : r.layerNormRowMeans()) {           // LayerNorm with gain 1 and shift 0: each row's mean 0
            assertThat(mean).isCloseTo(0.0, org.assertj.core.data.Offset.offset(1e-5));
        }
    }
}
