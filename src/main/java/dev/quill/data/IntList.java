package dev.quill.data;

import java.util.Arrays;

/**
 * A growable {@code int[]} without boxing: the tokenizers and the chat templates append ids here and hand
 * out a copy.
 */
public final class IntList {
    private int[] items;
    private int size;

    /**
     * An empty list.
     *
     * @param capacity the expected size; the list grows past it as needed
     */
    public IntList(int capacity) {
        items = new int[Math.max(capacity, 8)];
    }

    /**
     * Appends one value.
     *
     * @param value the value
     */
    public void add(int value) {
        if (size == items.length) {
            items = Arrays.copyOf(items, items.length * 2);
        }
        items[size++] = value;
    }

    /**
     * Appends every value of an array, in order.
     *
     * @param values the values
     */
    public void addAll(int[] values) {
        if (size + values.length > items.length) {
            items = Arrays.copyOf(items, Math.max(items.length * 2, size + values.length));
        }
        System.arraycopy(values, 0, items, size, values.length);
        size += values.length;
    }

    /**
     * One value.
     *
     * @param i its index, below {@link #size()}
     * @return the value at {@code i}
     */
    public int get(int i) {
        return items[i];
    }

    int last() {
        return items[size - 1];
    }

    /**
     * How many values the list holds.
     *
     * @return the number of values
     */
    public int size() {
        return size;
    }

    /**
     * The values, copied.
     *
     * @return a new array of {@link #size()} values
     */
    public int[] toArray() {
        return Arrays.copyOf(items, size);
    }
}
