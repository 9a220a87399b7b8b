package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * When a big backward pass trims the C heap: after the first pass, and after any pass during which the
 * address space grew by more than 1/16 of resident memory. The sizes are fed in, so each case is exact.
 */
class HeapTrimTest {

    private static final long GB = 1 << 20;   // in KB

    private final AtomicInteger trims = new AtomicInteger();
    private final Deque<HeapTrim.Sizes> feed = new ArrayDeque<>();
    private final HeapTrim rule = new HeapTrim(feed::pop, trims::incrementAndGet);

    /** Runs one pass whose end finds the given sizes; returns whether it trimmed. */
    private boolean pass(String mode, long virtualKb, long residentKb) {
        feed.push(new HeapTrim.Sizes(virtualKb, residentKb));
        return rule.afterPass(mode);
    }

    @Test
    void theFirstPassTrimsAndPassesThatReuseTheirMemoryDoNot() {
        assertThat(pass("grown", 14 * GB, 5 * GB)).isTrue();
        assertThat(pass("grown", 14 * GB + GB / 8, 5 * GB)).as("grew 1/40 of resident").isFalse();
        assertThat(pass("grown", 14 * GB + GB / 8, 5 * GB)).isFalse();
        assertThat(pass("grown", 14 * GB, 5 * GB)).as("shrank").isFalse();
        assertThat(trims).hasValue(1);
    }

    @Test
    void aPassThatTakesNewAddressSpaceTrimsEveryTime() {
        assertThat(pass("grown", 13 * GB, 6 * GB)).isTrue();
        assertThat(pass("grown", 14 * GB + GB / 2, 6 * GB)).as("grew 1.5 GB, over 6/16").isTrue();
        assertThat(pass("grown", 16 * GB, 6 * GB)).isTrue();
        assertThat(pass("grown", 16 * GB + 6 * GB / 16, 6 * GB)).as("exactly 1/16: not over it").isFalse();
        assertThat(pass("grown", 16 * GB + 6 * GB / 16 + 6 * GB / 16 + 1, 6 * GB)).as("compared with the last pass").isTrue();
        assertThat(trims).hasValue(4);
    }

    @Test
    void unknownSizesTrimEveryPassAndTheModesOverrideTheRule() {
        assertThat(pass("grown", -1, -1)).isTrue();
        assertThat(pass("grown", -1, -1)).isTrue();
        assertThat(pass("always", 14 * GB, 5 * GB)).isTrue();
        assertThat(pass("always", 14 * GB, 5 * GB)).as("flat, but always").isTrue();
        assertThat(rule.afterPass("off")).as("off reads nothing and never trims").isFalse();
        assertThat(trims).hasValue(4);
    }

    @Test
    void theProcessSizesAreReadOnLinux() {
        assumeTrue(Files.isReadable(Path.of("/proc/self/status")));
        HeapTrim.Sizes s = HeapTrim.processSizes();
        assertThat(s.residentKb()).isPositive();
        assertThat(s.virtualKb()).isGreaterThan(s.residentKb());
    }
}
