package dev.quill.data;

import java.util.Arrays;

/**
 * The merge rules of a byte-pair encoding, and the loop that applies them to one chunk: while some
 * adjacent pair has a rule, merge the leftmost pair with the lowest rank. Shared by {@link BpeTokenizer} (merged id = 256 + rank) and {@link Gpt2Tokenizer} (merged id
 * from the vocabulary file).
 *
 * <p>Pairs live in an open-addressing hash table of {@code long} keys ({@code left << 32 | right}),
 * so a lookup neither boxes nor allocates; the table is at most half full.
 */
final class MergeTable {

    private final long[] keys;     // slot -> pair key, or EMPTY
    private final int[] ranks;     // slot -> rank
    private final int[] merged;    // rank -> the id the pair becomes
    private final int mask;
    private static final long EMPTY = -1L;

    /**
     * @param left   rank -> left id
     * @param right  rank -> right id
     * @param merged rank -> merged id
     */
    MergeTable(int[] left, int[] right, int[] merged) {
        int size = Integer.highestOneBit(Math.max(4, left.length * 2 + 1)) << 1;
        this.keys = new long[size];
        this.ranks = new int[size];
        this.mask = size - 1;
        this.merged = merged.clone();
        Arrays.fill(keys, EMPTY);
        for (int r = 0; r < left.length; r++) {
            long key = key(left[r], right[r]);
            int slot = slot(key);
            while (keys[slot] != EMPTY && keys[slot] != key) {
                slot = (slot + 1) & mask;
            }
            if (keys[slot] == EMPTY) { // a repeated pair keeps its first (lowest) rank
                keys[slot] = key;
                ranks[slot] = r;
            }
        }
    }

    static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40) & mask;
    }

    /** {@return the rank of the pair (a, b), or {@link Integer#MAX_VALUE} when no rule merges it} */
    int rank(int a, int b) {
        long key = key(a, b);
        int slot = slot(key);
        while (true) {
            long k = keys[slot];
            if (k == key) {
                return ranks[slot];
            }
            if (k == EMPTY) {
                return Integer.MAX_VALUE;
            }
            slot = (slot + 1) & mask;
        }
    }

    /** {@return the number of rules} */
    int size() {
        return merged.length;
    }

    /**
     * Merges {@code s[0, n)} by rank: repeatedly merge the leftmost of the lowest-ranked adjacent pairs,
     * as tiktoken and Hugging Face tokenizers do. Short chunks (nearly all of them) use a plain loop
     * that rescans the pair ranks, O(n^2); long ones a heap of candidate pairs, O(n log n), so one
     * 100,000-letter chunk takes milliseconds, not seconds.
     *
     * @param s the chunk's ids, at first one per byte; overwritten
     * @param n how many are used
     * @return the merged ids (a new array)
     */
    int[] apply(int[] s, int n) {
        return n <= HEAP_FROM ? applyByScan(s, n) : applyByHeap(s, n);
    }

    /** Chunks longer than this use the heap. */
    static final int HEAP_FROM = 64;

    /** The plain loop: {@code pair[i]} is the rank of (s[i], s[i+1]); merge the leftmost minimum. */
    int[] applyByScan(int[] s, int n) {
        int[] pair = new int[Math.max(n, 1)];
        for (int i = 0; i + 1 < n; i++) {
            pair[i] = rank(s[i], s[i + 1]);
        }
        while (n >= 2) {
            int best = Integer.MAX_VALUE;
            int at = -1;
            for (int i = 0; i + 1 < n; i++) {
                if (pair[i] < best) {
                    best = pair[i];
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            s[at] = merged[best];
            System.arraycopy(s, at + 2, s, at + 1, n - at - 2);
            System.arraycopy(pair, at + 2, pair, at + 1, n - at - 2);
            n--;
            if (at > 0) {
                pair[at - 1] = rank(s[at - 1], s[at]);
            }
            if (at + 1 < n) {
                pair[at] = rank(s[at], s[at + 1]);
            }
        }
        return Arrays.copyOf(s, n);
    }

    /**
     * The same merges with a heap of (rank, position) candidates over a linked list of symbols. A
     * candidate whose pair has changed since it was pushed is skipped when popped.
     */
    int[] applyByHeap(int[] s, int n) {
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        var heap = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            push(heap, s, i, i + 1);
        }
        int count = n;
        while (!heap.isEmpty()) {
            long top = heap.pop();
            int r = (int) (top >>> 32);
            int i = (int) top;
            int j = i >= 0 && s[i] >= 0 ? next[i] : -1;
            if (j < 0 || rank(s[i], s[j]) != r) {
                continue; // stale: i or its neighbour was merged away since
            }
            s[i] = merged[r];
            s[j] = -1; // removed
            next[i] = next[j];
            if (next[j] >= 0) {
                prev[next[j]] = i;
            }
            count--;
            if (prev[i] >= 0) {
                push(heap, s, prev[i], i);
            }
            if (next[i] >= 0) {
                push(heap, s, i, next[i]);
            }
        }
        int[] out = new int[count];
        for (int i = 0, k = 0; i >= 0; i = next[i]) {
            out[k++] = s[i];
        }
        return out;
    }

    private void push(LongHeap heap, int[] s, int i, int j) {
        int r = rank(s[i], s[j]);
        if (r != Integer.MAX_VALUE) {
            heap.push(((long) r << 32) | i);
        }
    }

    /** A binary min-heap of {@code long}s: (rank, position) packed so that the order is rank, then position. */
    private static final class LongHeap {
        private long[] a;
        private int size;

        LongHeap(int capacity) {
            a = new long[Math.max(capacity, 4)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == a.length) {
                a = Arrays.copyOf(a, a.length * 2);
            }
            int i = size++;
            while (i > 0 && a[(i - 1) >>> 1] > v) {
                a[i] = a[(i - 1) >>> 1];
                i = (i - 1) >>> 1;
            }
            a[i] = v;
        }

        long pop() {
            long top = a[0];
            long last = a[--size];
            int i = 0;
            while (true) {
                int c = 2 * i + 1;
                if (c >= size) {
                    break;
                }
                if (c + 1 < size && a[c + 1] < a[c]) {
                    c++;
                }
                if (a[c] >= last) {
                    break;
                }
                a[i] = a[c];
                i = c;
            }
            a[i] = last;
            return top;
        }
    }
}
