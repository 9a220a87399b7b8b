package dev.quill.data;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Learns byte-pair merges with incremental pair counts.
 *
 * <p>The textbook loop recounts every adjacent pair of the corpus after each merge: O(merges x corpus).
 * Here the corpus is first reduced to its distinct chunks (from {@link PreTokenizer}), each with a
 * weight = how often it occurs. Then:
 * <pre>
 *   count(a, b) = sum over chunks w of weight(w) * (occurrences of a,b adjacent in w)
 *   where(a, b) = the chunks that have (or once had) a,b adjacent
 * </pre>
 * Each merge of (a, b) into a new id z visits only {@code where(a, b)}: for each such chunk it subtracts
 * the chunk's pairs, rewrites the chunk (every "a b", left to right, becomes "z"), and adds the new
 * pairs back. The best pair comes from a max-heap ordered by (count descending, then (a, b) ascending,
 * the tie-break that makes training deterministic). Counts change after a merge, so the heap is updated
 * lazily: every changed count pushes a fresh entry, and a popped entry whose count is no longer current
 * is dropped.
 */
final class BpeTrainer {

    private final int[][] words;      // chunk -> its current symbols (prefix of length lengths[w])
    private final int[] lengths;
    private final long[] weights;
    private final int[] visited;      // chunk -> last merge number that rewrote it
    private final Map<Long, long[]> counts = new HashMap<>();
    private final Map<Long, IntList> where = new HashMap<>();
    private final PriorityQueue<long[]> heap = new PriorityQueue<>(BpeTrainer::compareEntries);

    private BpeTrainer(Map<String, Long> chunkCounts) {
        int n = chunkCounts.size();
        words = new int[n][];
        lengths = new int[n];
        weights = new long[n];
        visited = new int[n];
        int w = 0;
        for (var e : chunkCounts.entrySet()) {
            byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
            int[] symbols = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                symbols[i] = bytes[i] & 0xFF;
            }
            words[w] = symbols;
            lengths[w] = symbols.length;
            weights[w] = e.getValue();
            w++;
        }
    }

    /**
     * Learns up to {@code numMerges} merges from chunk frequencies. Merge {@code i} creates id
     * {@code 256 + i}; fewer merges come back when the corpus runs out of pairs.
     *
     * @return the merged pairs in order, as {@code {left, right}}
     */
    static List<int[]> train(Map<String, Long> chunkCounts, int numMerges) {
        return new BpeTrainer(chunkCounts).run(numMerges);
    }

    /** Splits {@code text} into chunks and counts each distinct one. */
    static void countChunks(String text, int from, int to, Map<String, Long> into) {
        PreTokenizer.forEachChunk(text, from, to, chunk -> into.merge(chunk, 1L, Long::sum));
    }

    private List<int[]> run(int numMerges) {
        for (int w = 0; w < words.length; w++) {
            for (int i = 0; i + 1 < lengths[w]; i++) {
                long key = key(words[w][i], words[w][i + 1]);
                counts.computeIfAbsent(key, k -> new long[1])[0] += weights[w];
                IntList list = where.computeIfAbsent(key, k -> new IntList(4));
                if (list.size() == 0 || list.last() != w) {
                    list.add(w);
                }
            }
        }
        counts.forEach((key, c) -> heap.add(new long[]{c[0], key}));

        var merges = new ArrayList<int[]>(numMerges);
        for (int m = 0; m < numMerges; m++) {
            long best = popBest();
            if (best < 0) {
                break; // no pair left: every chunk is a single token
            }
            int a = (int) (best >>> 32);
            int b = (int) best;
            merge(a, b, 256 + m, m + 1);
            merges.add(new int[]{a, b});
        }
        return merges;
    }

    /** The key of the best current pair, or -1 when none is left. */
    private long popBest() {
        while (!heap.isEmpty()) {
            long[] top = heap.poll();
            long[] current = counts.get(top[1]);
            if (current != null && current[0] == top[0] && top[0] > 0) {
                return top[1];
            }
        }
        return -1;
    }

    private void merge(int a, int b, int z, int stamp) {
        var changed = new HashSet<Long>();
        IntList chunks = where.remove(key(a, b));
        for (int k = 0; k < chunks.size(); k++) {
            int w = chunks.get(k);
            if (visited[w] == stamp || !contains(w, a, b)) {
                continue; // a stale entry: an earlier merge already consumed this pair here
            }
            visited[w] = stamp;
            addPairs(w, -weights[w], changed, -1);
            rewrite(w, a, b, z);
            addPairs(w, weights[w], changed, z);
        }
        for (long key : changed) {
            long[] c = counts.get(key);
            if (c[0] == 0) {
                counts.remove(key);
            } else {
                heap.add(new long[]{c[0], key});
            }
        }
    }

    /** Adds {@code delta} to the count of every adjacent pair in chunk {@code w}; indexes pairs with {@code z}. */
    private void addPairs(int w, long delta, HashSet<Long> changed, int z) {
        int[] s = words[w];
        for (int i = 0; i + 1 < lengths[w]; i++) {
            long key = key(s[i], s[i + 1]);
            counts.computeIfAbsent(key, k -> new long[1])[0] += delta;
            changed.add(key);
            if (z >= 0 && (s[i] == z || s[i + 1] == z)) {
                // the only pairs this chunk did not have before; the others already list it
                IntList list = where.computeIfAbsent(key, k -> new IntList(4));
                if (list.size() == 0 || list.last() != w) {
                    list.add(w);
                }
            }
        }
    }

    private boolean contains(int w, int a, int b) {
        int[] s = words[w];
        for (int i = 0; i + 1 < lengths[w]; i++) {
            if (s[i] == a && s[i + 1] == b) {
                return true;
            }
        }
        return false;
    }

    /** Replaces every "a b" in chunk {@code w}, scanning left to right, by z. */
    private void rewrite(int w, int a, int b, int z) {
        int[] s = words[w];
        int n = lengths[w];
        int out = 0;
        for (int i = 0; i < n; i++) {
            if (i + 1 < n && s[i] == a && s[i + 1] == b) {
                s[out++] = z;
                i++;
            } else {
                s[out++] = s[i];
            }
        }
        lengths[w] = out;
    }

    /** (a, b) packed so that comparing keys compares (a, b) lexicographically (ids are non-negative). */
    static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    /** Heap order: higher count first, then the smaller pair. */
    private static int compareEntries(long[] x, long[] y) {
        int byCount = Long.compare(y[0], x[0]);
        return byCount != 0 ? byCount : Long.compare(x[1], y[1]);
    }
}
