package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Resident memory stays flat when each pass runs in a {@link MemoryScope}. One pass allocates a few MB of
 * intermediates, so a scope that failed to release them would grow by gigabytes over a thousand passes;
 * the bound below leaves room for the JIT and the JVM's own warm-up. The full figure (10,000 passes) is
 * measured by {@link MemoryFlatness#main} and reported in docs/performance.md.
 */
class MemoryScopeTest {

    @Test
    void residentMemoryIsFlatOverAThousandPasses() {
        Map<Integer, Long> rss = new HashMap<>();
        MemoryFlatness.run(1500, true, p -> p == 500 || p == 1500, rss::put);
        assertThat(rss.get(500)).isPositive();
        assertThat(rss.get(1500) - rss.get(500)).as("RSS growth in MB from pass 500 to 1500: %s", rss)
                .isLessThan(100);
    }
}
