package dev.quill.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The heap path of MergeTable against the plain scan, and the leftmost-lowest-rank rule by hand. */
class MergeTableTest {

    @Test
    void mergesTheLeftmostLowestRankedPairOneAtATime() {
        // ids: a=0 b=1; rank 0: (2, a) -> 3; rank 1: (a, b) -> 2 (a table no trainer makes, but a file may
        // hold). In "abab" the first ab becomes 2, then (2, a) outranks the second (a, b): 3 b, as tiktoken
        // and tokenizers do; merging every ab at once would give 2 2.
        var t = new MergeTable(new int[]{2, 0}, new int[]{0, 1}, new int[]{3, 2});
        int[] s = {0, 1, 0, 1};
        assertThat(t.applyByScan(s.clone(), 4)).containsExactly(3, 1);
        assertThat(t.applyByHeap(s.clone(), 4)).containsExactly(3, 1);
        // equal ranks go left to right: "aaa" with (a, a) -> 5 is 5 a
        var same = new MergeTable(new int[]{0}, new int[]{0}, new int[]{5});
        assertThat(same.applyByHeap(new int[]{0, 0, 0}, 3)).containsExactly(5, 0);
        assertThat(same.applyByScan(new int[]{0, 0, 0}, 3)).containsExactly(5, 0);
    }

    @Test
    void heapAndScanAgreeOnGpt2sMergesAndOnRandomTables() {
        Random rnd = new Random(7);
        Gpt2Tokenizer gpt2 = Gpt2Fixtures.gpt2();
        for (int trial = 0; trial < 200; trial++) {
            byte[] bytes = new byte[1 + rnd.nextInt(300)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) ('a' + rnd.nextInt(trial % 2 == 0 ? 26 : 3));
            }
            assertThat(gpt2.mergeBothWays(bytes)).isTrue();
        }
        for (int trial = 0; trial < 300; trial++) {
            // any table, ranks in any order: ids 0..3 are symbols, merges make 4, 5, ...
            int m = 1 + rnd.nextInt(12);
            int[] l = new int[m];
            int[] r = new int[m];
            int[] into = new int[m];
            for (int k = 0; k < m; k++) {
                l[k] = rnd.nextInt(4 + k);
                r[k] = rnd.nextInt(4 + k);
                into[k] = 4 + k;
            }
            var t = new MergeTable(l, r, into);
            int[] s = new int[1 + rnd.nextInt(40)];
            Arrays.setAll(s, i -> rnd.nextInt(4));
            assertThat(t.applyByHeap(s.clone(), s.length)).as(Arrays.toString(s)).containsExactly(t.applyByScan(s.clone(), s.length));
        }
    }
}
