package dev.quill.data;

import java.util.Objects;

/**
 * Token ids held in an {@code int[]}: 4 bytes per token, so tiny Shakespeare's 1.1 M characters take
 * about 4.5 MB. The array is shared, not copied.
 *
 * @param ids the token ids
 */
public record ArrayTokens(int[] ids) implements Tokens {

    /**
     * @param ids the token ids, not null; kept, not copied
     */
    public ArrayTokens {
        Objects.requireNonNull(ids, "ids");
    }

    @Override
    public long size() {
        return ids.length;
    }

    @Override
    public int get(long index) {
        return ids[Math.toIntExact(index)];
    }

    @Override
    public void read(long from, int[] dst, int offset, int length) {
        checkRange(from, length);
        System.arraycopy(ids, (int) from, dst, offset, length);
    }
}
