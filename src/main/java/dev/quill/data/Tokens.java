package dev.quill.data;

/**
 * A read-only sequence of token ids, indexed by {@code long} so that it can outgrow an array: an
 * {@code int[]} in memory ({@link ArrayTokens}), a memory-mapped file ({@link TokenFile}), or a window of
 * either ({@link TokenSlice}, what a train/validation split hands out, without copying).
 */
public sealed interface Tokens permits ArrayTokens, TokenFile, TokenSlice {

    /**
     * @param ids token ids (not copied: do not modify them afterwards)
     * @return the ids as a sequence
     */
    static Tokens of(int[] ids) {
        return new ArrayTokens(ids);
    }

    /** {@return the number of tokens} */
    long size();

    /**
     * @param index in {@code [0, size())}
     * @return the id there
     */
    int get(long index);

    /**
     * Copies {@code length} ids starting at {@code from} into {@code dst[offset..]}.
     *
     * @param from   the first index read
     * @param dst    the destination
     * @param offset where in {@code dst} the first id goes
     * @param length how many ids
     * @throws IndexOutOfBoundsException when the range does not lie inside this sequence
     */
    default void read(long from, int[] dst, int offset, int length) {
        checkRange(from, length);
        for (int i = 0; i < length; i++) {
            dst[offset + i] = get(from + i);
        }
    }

    /**
     * @param from the first index, inclusive
     * @param to   the last index, exclusive
     * @return the ids in {@code [from, to)} as a view
     * @throws IndexOutOfBoundsException when the range does not fit
     */
    default Tokens slice(long from, long to) {
        if (from < 0 || to < from || to > size()) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of " + size() + " tokens");
        }
        return new TokenSlice(this, from, to);
    }

    /**
     * {@return all ids as a new array}
     *
     * @throws IllegalStateException when there are too many for one array
     */
    default int[] toArray() {
        if (size() > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(size() + " tokens do not fit in an array");
        }
        int[] out = new int[(int) size()];
        read(0, out, 0, out.length);
        return out;
    }

    /**
     * Throws unless {@code [from, from + length)} lies inside this sequence.
     *
     * @param from   the first index
     * @param length the number of ids
     * @throws IndexOutOfBoundsException when it does not
     */
    default void checkRange(long from, int length) {
        if (from < 0 || length < 0 || from + length > size()) {
            throw new IndexOutOfBoundsException("[" + from + ", " + (from + length) + ") of " + size() + " tokens");
        }
    }
}
