package dev.quill.data.sft;

import dev.quill.data.Batch;

import java.util.Arrays;
import java.util.List;

/**
 * One conversation as one training row of exactly {@code T} positions: padding, not packing.
 * <pre>
 *   n = rendered length;  keep the first min(n, T + 1) tokens (T inputs, and one more as the last target)
 *   inputs[t]  = ids[t]      for t &lt; n,   pad after
 *   targets[t] = targets[t]  for t &lt; n,   -1 after
 * </pre>
 * A rendering longer than {@code T + 1} tokens loses its end and is marked {@link #truncated()}; the
 * dataset counts those, it never truncates silently.
 *
 * <p>Why padding: packing several conversations into one window would let attention at a later
 * conversation see an earlier one, unless the attention mask were made block-diagonal. With one
 * conversation per row, causal attention alone keeps conversations apart, and the pad tokens after the
 * content cannot change it: position t attends to positions 0..t only, so the content positions never
 * see a pad, and the pads' own targets are -1, so they add nothing to the loss or its gradient. The
 * price is the compute spent on pad positions.
 *
 * @param inputs    T input ids
 * @param targets   T next-token targets, -1 where not trained
 * @param truncated whether the rendering was cut to fit
 */
public record SftRow(int[] inputs, int[] targets, boolean truncated) {

    /**
     * Checks inputs and targets have the same length.
     *
     * @param inputs T input ids
     * @param targets T targets
     * @param truncated whether the rendering was cut
     */
    public SftRow {
        if (inputs.length != targets.length) {
            throw new IllegalArgumentException(inputs.length + " inputs but " + targets.length + " targets");
        }
    }

    /**
     * The row of {@code chat} in a window of {@code blockSize} positions.
     *
     * @param chat      the rendered conversation
     * @param blockSize T
     * @param padId     the input id after the content
     * @return the padded (or truncated) row
     */
    public static SftRow of(RenderedChat chat, int blockSize, int padId) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be positive, not " + blockSize);
        }
        int n = chat.length();
        int kept = Math.min(n, blockSize);
        int[] inputs = new int[blockSize];
        int[] targets = new int[blockSize];
        System.arraycopy(chat.ids(), 0, inputs, 0, kept);
        System.arraycopy(chat.targets(), 0, targets, 0, kept);  // targets[T-1] may point at ids[T]: still inside T + 1
        Arrays.fill(inputs, kept, blockSize, padId);
        Arrays.fill(targets, kept, blockSize, ChatTemplate.IGNORE_INDEX);
        return new SftRow(inputs, targets, n > blockSize + 1);
    }

    /**
     * T: positions in the row.
     *
     * @return the block size
     */
    public int blockSize() {
        return inputs.length;
    }

    /**
     * Positions whose target is trained (not -1).
     *
     * @return the count
     */
    public int trainedCount() {
        return ChatTemplate.trainedCount(targets);
    }

    /**
     * Rows stacked into one batch of shape (rows, T).
     *
     * @param rows at least one row, all of the same block size
     * @return the batch
     */
    public static Batch toBatch(List<SftRow> rows) {
        int b = rows.size();
        int t = rows.get(0).blockSize();
        int[] inputs = new int[b * t];
        int[] targets = new int[b * t];
        for (int r = 0; r < b; r++) {
            SftRow row = rows.get(r);
            if (row.blockSize() != t) {
                throw new IllegalArgumentException("row " + r + " has " + row.blockSize() + " positions, row 0 has " + t);
            }
            System.arraycopy(row.inputs, 0, inputs, r * t, t);
            System.arraycopy(row.targets, 0, targets, r * t, t);
        }
        return Batch.of(b, t, inputs, targets);
    }
}
