package dev.quill.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One training or evaluation batch: {@code B} windows of {@code T} input ids and, for each position,
 * the id that follows it. Row {@code b} of {@code targets} is row {@code b} of {@code inputs} shifted
 * left by one, with the next token appended: the model at position t predicts token t + 1.
 *
 * <p>{@code inputs} and {@code targets} are ND4J arrays of shape (B, T) and type {@link DataType#INT32},
 * ready to index an embedding table. They are created outside any workspace, so they stay valid on any
 * thread and after any workspace closes. {@code inputIds}/{@code targetIds} are the same numbers, row
 * major, as plain arrays.
 *
 * @param inputs    (B, T) int32
 * @param targets   (B, T) int32
 * @param inputIds  B * T ids, row major
 * @param targetIds B * T ids, row major
 */
public record Batch(INDArray inputs, INDArray targets, int[] inputIds, int[] targetIds) {

    /**
     * Checks that the four views agree.
     *
     * @param inputs    (B, T) int32
     * @param targets   (B, T) int32, the shape of {@code inputs}
     * @param inputIds  B * T ids
     * @param targetIds B * T ids
     * @throws IllegalArgumentException when a shape or a length differs
     */
    public Batch {
        long[] shape = inputs.shape();
        if (shape.length != 2 || !java.util.Arrays.equals(shape, targets.shape())) {
            throw new IllegalArgumentException("inputs " + java.util.Arrays.toString(shape) + " and targets "
                    + java.util.Arrays.toString(targets.shape()) + " must both be (B, T)");
        }
        if (inputIds.length != inputs.length() || targetIds.length != targets.length()) {
            throw new IllegalArgumentException("id arrays must hold B * T = " + inputs.length() + " ids");
        }
    }

    /**
     * Builds the ND4J arrays from row-major ids, outside any memory scope.
     *
     * @param batchSize B
     * @param blockSize T
     * @param inputIds  B * T input ids, row major (kept, not copied)
     * @param targetIds B * T target ids, row major (kept, not copied)
     * @return the batch
     * @throws IllegalArgumentException when the arrays do not hold B * T ids each
     */
    @SuppressWarnings("try") // the scope is used for its effect, not referenced
    public static Batch of(int batchSize, int blockSize, int[] inputIds, int[] targetIds) {
        if (inputIds.length != (long) batchSize * blockSize || targetIds.length != inputIds.length) {
            throw new IllegalArgumentException("expected " + batchSize + " x " + blockSize + " ids, got "
                    + inputIds.length + " and " + targetIds.length);
        }
        // Outside any workspace: the arrays must outlive whatever scope the caller (or the prefetch
        // thread) is in. scopeOutOfWorkspaces() is a no-op when no workspace is open.
        try (var outside = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray in = Nd4j.createFromArray(inputIds).reshape(batchSize, blockSize);   // (B, T)
            INDArray tg = Nd4j.createFromArray(targetIds).reshape(batchSize, blockSize);  // (B, T)
            return new Batch(in, tg, inputIds, targetIds);
        }
    }

    /** {@return B, the windows in this batch} */
    public int batchSize() {
        return (int) inputs.size(0);
    }

    /** {@return T, the positions per window} */
    public int blockSize() {
        return (int) inputs.size(1);
    }
}
