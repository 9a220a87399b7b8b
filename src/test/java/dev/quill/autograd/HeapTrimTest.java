package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.quill.autograd.HeapTrim.Mode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * When a big backward pass trims the C heap: after the first pass, and after any pass that ends with the
 * address space or resident memory grown by more than 1/16 of resident memory since the last pass ended.
 * The sizes are fed in, so each case is exact.
 */
class HeapTrimTest {

    private static final long GB = 1 << 20;   // in KB

    private final AtomicInteger trims = new AtomicInteger();
    private final Deque<ProcessMemory> feed = new ArrayDeque<>();
    private final HeapTrim rule = new HeapTrim(feed::removeFirst, trims::incrementAndGet);

    /** Runs one pass whose end finds the given sizes; returns whether it trimmed. */
    private boolean pass(Mode mode, long virtualKb, long residentKb) {
        feed.addLast(new ProcessMemory(virtualKb, residentKb));
        return rule.afterPass(mode);
    }

    @Test
    void theFirstPassTrimsAndPassesThatReuseTheirMemoryDoNot() {
        assertThat(pass(Mode.GROWN, 14 * GB, 5 * GB)).isTrue();
        assertThat(pass(Mode.GROWN, 14 * GB + GB / 8, 5 * GB + GB / 8)).as("both grew 1/40 of resident").isFalse();
        assertThat(pass(Mode.GROWN, 14 * GB + GB / 8, 5 * GB)).isFalse();
        assertThat(pass(Mode.GROWN, 14 * GB, 5 * GB)).as("shrank").isFalse();
        assertThat(trims).hasValue(1);
    }

    @Test
    void aPassThatTakesNewAddressSpaceTrimsEveryTime() {
        assertThat(pass(Mode.GROWN, 13 * GB, 6 * GB)).isTrue();
        assertThat(pass(Mode.GROWN, 14 * GB + GB / 2, 6 * GB)).as("grew 1.5 GB, over 6/16").isTrue();
        assertThat(pass(Mode.GROWN, 16 * GB, 6 * GB)).isTrue();
        assertThat(pass(Mode.GROWN, 16 * GB + 6 * GB / 16, 6 * GB)).as("exactly 1/16: not over it").isFalse();
        assertThat(pass(Mode.GROWN, 16 * GB + 6 * GB / 16 + 6 * GB / 16 + 1, 6 * GB)).as("compared with the last pass").isTrue();
        assertThat(trims).hasValue(4);
    }

    @Test
    void residentMemoryThatGrowsInsideReservedSpaceTrimsToo() {
        assertThat(pass(Mode.GROWN, 20 * GB, 4 * GB)).isTrue();
        assertThat(pass(Mode.GROWN, 20 * GB, 5 * GB)).as("resident +1 GB, address space flat").isTrue();
        assertThat(pass(Mode.GROWN, 20 * GB, 5 * GB + GB / 4)).as("+256 MB, under 5.25/16").isFalse();
        assertThat(trims).hasValue(2);
    }

    @Test
    void unknownSizesTrimEveryPass() {
        assertThat(pass(Mode.GROWN, -1, -1)).isTrue();
        assertThat(pass(Mode.GROWN, 14 * GB, -1)).as("only the address space known").isTrue();
        assertThat(pass(Mode.GROWN, -1, 5 * GB)).as("only resident memory known").isTrue();
        assertThat(pass(Mode.GROWN, 14 * GB, 5 * GB)).as("the last pass's sizes were unknown").isTrue();
        assertThat(pass(Mode.GROWN, 14 * GB, 5 * GB)).isFalse();
        assertThat(trims).hasValue(4);
    }

    @Test
    void alwaysTrimsAFlatPassAndOffNeverTrimsNorMovesTheBaseline() {
        assertThat(pass(Mode.GROWN, 14 * GB, 5 * GB)).isTrue();
        assertThat(pass(Mode.ALWAYS, 14 * GB, 5 * GB)).as("flat, but always").isTrue();
        assertThat(rule.afterPass(Mode.OFF)).as("off reads nothing and never trims").isFalse();
        assertThat(pass(Mode.GROWN, 14 * GB, 5 * GB)).as("the baseline is still the pass before off").isFalse();
        assertThat(trims).hasValue(2);

        HeapTrim fresh = new HeapTrim(feed::removeFirst, trims::incrementAndGet);
        assertThat(fresh.afterPass(Mode.OFF)).as("off on the first pass").isFalse();
        assertThat(trims).hasValue(2);
    }

    @Test
    void theModeIsReadStrictly() {
        assertThat(Mode.parse(null)).isEqualTo(Mode.GROWN);
        assertThat(Mode.parse("always")).isEqualTo(Mode.ALWAYS);
        assertThat(Mode.parse(" Off ")).isEqualTo(Mode.OFF);
        assertThatThrownBy(() -> Mode.parse("never")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("quill.backward.trim: 'never' is not one of grown, always, off");
    }

    @Test
    void theSizesAreReadFromAStatusFile() {
        List<String> status = List.of("Name:\tjava", "VmPeak:\t16039168 kB", "VmSize:\t14275172 kB",
                "VmHWM:\t 5297344 kB", "VmRSS:\t 5204204 kB", "Threads:\t42");
        assertThat(ProcessMemory.parse(status)).isEqualTo(new ProcessMemory(14_275_172, 5_204_204));
        assertThat(ProcessMemory.parse(List.of("Name:\tjava"))).isEqualTo(new ProcessMemory(-1, -1));
    }

    @Test
    void theProcessSizesAreReadOnLinux() {
        assumeTrue(Files.isReadable(Path.of("/proc/self/status")));
        ProcessMemory s = ProcessMemory.read();
        assertThat(s.residentKb()).isPositive();
        assertThat(s.virtualKb()).isGreaterThan(s.residentKb());
    }
}
