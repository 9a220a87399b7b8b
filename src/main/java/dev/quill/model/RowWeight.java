package dev.quill.model;

/**
 * One weight W (out, in) of a linear map as the {@link RowDecoder} reads it: y = x W^T + b for a few rows
 * x of one sequence. Three forms, one per way of holding the numbers:
 * <ul>
 *   <li>{@link TransposedWeight}: a copy in Java arrays, transposed, for small models (many positions per call);</li>
 *   <li>{@link StreamedWeight}: the model's own F32 buffer, read where it lies, one output row at a time;</li>
 *   <li>{@link Int8Weight}: int8 with one scale per output row, quantized once (a quarter of the bytes).</li>
 * </ul>
 * Each is tested against the others and against the general path ({@code RowWeightTest}, {@code KvCacheTest}).
 */
sealed interface RowWeight permits TransposedWeight, StreamedWeight, Int8Weight {

    /** {@return out, the number of output rows} */
    int rows();

    /** {@return in, the length of each row} */
    int cols();

    /**
     * y[r] = b + x[r] W^T for the first t rows of x.
     *
     * @param x    (t, in) inputs, rows of at least {@code in}
     * @param t    rows of x to use
     * @param bias (out) or null
     * @param y    (t, out) written
     */
    void apply(float[][] x, int t, float[] bias, float[][] y);

    /**
     * Row o of W, as the decoder sees it (dequantized for int8): the embedding's lookup of token o.
     *
     * @param o   a row, 0 .. out-1
     * @param dst (in) written
     */
    void row(int o, float[] dst);
}
