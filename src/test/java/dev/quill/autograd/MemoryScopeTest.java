package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Resident memory stays flat when each pass runs in a {@link MemoryScope}. One pass allocates a few MB of
 * intermediates, so a scope that failed to release them would grow by gigabytes over a thousand passes;
 * the bound below leaves room for the JIT and the JVM's own warm-up. The full figure (10,000 passes) is
 * measured by {@link MemoryFlatness#main} and reported in docs/performance.md.
 */
class MemoryScopeTest {

    @Test
    void residentMemoryIsFlatOverAThousandPasses() {
        Map<Integer, Long> rss = new HashMap<>(), untrimmed = new HashMap<>();
        // resident memory less the Java heap's committed size: the collector sizes its heap on its own schedule
        // (G1 took it from 47 to 211 MB between passes 500 and 750 in one run, all of the RSS growth there),
        // which is not what a scope governs; arrays a scope failed to free are native memory, and stay in.
        // Read after malloc_trim: memory the C heap holds on to once freed (the JIT's arenas while the rest of
        // the suite compiles, other threads' arenas) is not a scope's either, and arrays still held stay in
        MemoryFlatness.run(1500, true, p -> p == 500 || p == 1500, (p, mb) -> {
            long heapMb = Runtime.getRuntime().totalMemory() >> 20;
            untrimmed.put(p, mb - heapMb);
            Pointer.trimMemory();
            rss.put(p, MemoryFlatness.rssMb() - heapMb);
        });
        assertThat(rss.get(500)).isPositive();
        assertThat(rss.get(1500) - rss.get(500))
                .as("growth in MB of the RSS outside the Java heap from pass 500 to 1500: %s (before malloc_trim: %s)", rss, untrimmed)
                .isLessThan(100);
    }

    @Test
    void aScopeGivenItsSizeReservesItBeforeItsFirstUseAndGrowsWhenThatIsShort() {
        long mb = 1 << 20;
        try (MemoryScope scope = MemoryScope.open("sized-test", 8 * mb)) {
            long reserved = blockBytes("sized-test");
            assertThat(reserved).isBetween(8 * mb - 64, 8 * mb);                 // the overallocation included
            INDArray a = Nd4j.createUninitialized(DataType.FLOAT, 1 << 18).assign(3);   // 1 MB, carved from it
            assertThat(a.sumNumber().doubleValue()).isEqualTo(3.0 * (1 << 18));
            assertThat(blockBytes("sized-test")).isEqualTo(reserved);
        }
        try (MemoryScope scope = MemoryScope.open("sized-test", 64 * mb)) {       // a later size is ignored
            assertThat(blockBytes("sized-test")).isBetween(8 * mb - 64, 8 * mb);
        }
        try (MemoryScope scope = MemoryScope.open("short-test", mb)) {             // needs 3 MB: spills, then grows
            for (int i = 0; i < 3; i++) {
                Nd4j.createUninitialized(DataType.FLOAT, 1 << 18).assign(i);
            }
        }
        assertThat(blockBytes("short-test")).isGreaterThanOrEqualTo(3 * mb);
    }

    /** The block of this thread's outermost scope named {@code name}. */
    private static long blockBytes(String name) {
        return Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread("quill/" + name + "#0").getCurrentSize();
    }
}
