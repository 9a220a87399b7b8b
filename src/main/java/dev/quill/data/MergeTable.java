package dev.quill.data;

import java.util.Arrays;

/**
 * The merge rules of a byte-pair encoding, and the loop that applies them to one chunk: while some
 * adjacent pair has a rule, take the pair with the lowest rank and merge all its occurrences, left to
 * right. Shared by {@link BpeTokenizer} (merged id = 256 + rank) and {@link Gpt2Tokenizer} (merged id
 * from the vocabulary file).
 *
 * <p>Pairs live in an open-addressing hash table of {@code long} keys ({@code left << 32 | right}),
 * so a lookup neither boxes nor allocates; the table is at most half full.
 */
final class MergeTable {

    private final long[] keys;     // slot -> pair key, or EMPTY
    private final int[] ranks;     // slot -> rank
    private final int[] left;      // rank -> left id
    private final int[] right;     // rank -> right id
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
        this.left = left.clone();
        this.right = right.clone();
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
     * Merges {@code s[0, n)} in place by rank.
     *
     * @param s the chunk's ids, at first one per byte; overwritten
     * @param n how many are used
     * @return the merged ids (a new array)
     */
    int[] apply(int[] s, int n) {
        while (n >= 2) {
            int best = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < n; i++) {
                int r = rank(s[i], s[i + 1]);
                if (r < best) {
                    best = r;
                }
            }
            if (best == Integer.MAX_VALUE) {
                break;
            }
            int out = 0;
            int a = left[best];
            int b = right[best];
            int into = merged[best];
            for (int i = 0; i < n; i++) {
                if (i + 1 < n && s[i] == a && s[i + 1] == b) {
                    s[out++] = into;
                    i++;
                } else {
                    s[out++] = s[i];
                }
            }
            n = out;
        }
        return Arrays.copyOf(s, n);
    }
}
