package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The start-up compile of the attention kernel: it starts, it ends by itself or when asked, and it can be refused. */
class WarmupTest {

    @AfterEach
    void clear() {
        Warmup.stop();
        Warmup.reset();
        System.clearProperty("quill.warmup");
    }

    @Test
    void aWarmUpThreadStartsOnceAndStopEndsIt() {
        Warmup.reset();
        Warmup.attention(64, 32, 0.1);
        Thread t = Warmup.thread();
        assertThat(t).as("the Vector API module is on the test JVM's command line").isNotNull();
        assertThat(t.isDaemon()).isTrue();
        Warmup.attention(64, 32, 0.1);
        assertThat(Warmup.thread()).isSameAs(t);                  // once per process
        Warmup.stop();
        assertThat(t.isAlive()).isFalse();
        Warmup.attention(64, 32, 0.1);
        assertThat(Warmup.thread()).isSameAs(t);                  // never after stop
    }

    @Test
    void offMeansNoThread() {
        Warmup.reset();
        System.setProperty("quill.warmup", "off");
        Warmup.attention(64, 32, 0.0);
        assertThat(Warmup.thread()).isNull();
    }

    @Test
    void theLoopEndsByItselfOnceItRunsCompiled() {
        // nobody asks it to stop: it returns when 256 rounds in a row run near the fastest one's speed
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> VectorAttention.warmUp(16, 8, true, () -> false));
    }
}
