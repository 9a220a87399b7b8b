package dev.quill.data;

/**
 * A read-only sequence of token ids, indexed by {@code long} so that it can outgrow an array: an
 * {@code int[]} in memory ({@link ArrayTokens}), a memory-mapped file ({@link TokenFile}), or a window of
 * either ({@link TokenSlice}, what a train/validation split hands out, without copying).
 */
public sealed interface Tokens permits ArrayTokens, TokenFile, TokenSlice {

    /** Wraps an id array (not copied: do not modify it afterwards). */
    static Tokens of(int[] ids) {
        return new ArrayTokens(ids);
    }

    /** Number of tokens. */
    long size();

    /** The id at {@code index}, in {@code [0, size())}. */
    int get(long index);

    /** Copies {@code length} ids starting at {@code from} into {@code dst[offset..]}. */
    default void read(long from, int[] dst, int offset, int length) {
        checkRange(from, length);
        for (int i = 0; i < length; i++) {
            dst[offset + i] = get(from + i);
        }
    }

    /** The ids in {@code [from, to)} as a view. */
    default Tokens slice(long from, long to) {
        if (from < 0 || to < from || to > size()) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of " + size() + " tokens");
        }
        return new TokenSlice(this, from, to);
    }

    /** All ids as a new array. */
    default int[] toArray() {
        if (size() > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(size() + " tokens do not fit in an array");
        }
        int[] out = new int[(int) size()];
        read(0, out, 0, out.length);
        return out;
    }

    /** Throws unless {@code [from, from + length)} lies inside this sequence. */
    default void checkRange(long from, int length) {
        if (from < 0 || length < 0 || from + length > size()) {
            throw new IndexOutOfBoundsException("[" + from + ", " + (from + length) + ") of " + size() + " tokens");
        }
    }
}
