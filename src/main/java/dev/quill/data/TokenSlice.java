package dev.quill.data;

/**
 * The tokens {@code [from, to)} of another sequence, without copying.
 *
 * @param base the underlying sequence
 * @param from first index, inclusive
 * @param to   last index, exclusive
 */
public record TokenSlice(Tokens base, long from, long to) implements Tokens {

    /**
     * @param base the underlying sequence
     * @param from in [0, to]
     * @param to   in [from, base.size()]
     * @throws IndexOutOfBoundsException when the range does not fit
     */
    public TokenSlice {
        if (from < 0 || to < from || to > base.size()) {
            throw new IndexOutOfBoundsException("slice [" + from + ", " + to + ") of " + base.size() + " tokens");
        }
    }

    @Override
    public long size() {
        return to - from;
    }

    @Override
    public int get(long index) {
        if (index < 0 || index >= size()) {
            throw new IndexOutOfBoundsException("index " + index + " of " + size() + " tokens");
        }
        return base.get(from + index);
    }

    @Override
    public void read(long start, int[] dst, int offset, int length) {
        checkRange(start, length);
        base.read(from + start, dst, offset, length);
    }

    @Override
    public Tokens slice(long a, long b) {
        if (a < 0 || b < a || b > size()) {
            throw new IndexOutOfBoundsException("slice [" + a + ", " + b + ") of " + size() + " tokens");
        }
        return new TokenSlice(base, from + a, from + b);
    }
}
