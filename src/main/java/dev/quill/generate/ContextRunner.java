package dev.quill.generate;

import dev.quill.autograd.GradMode;
import dev.quill.autograd.MemoryScope;
import dev.quill.autograd.Tensor;
import dev.quill.model.Gpt;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The model's view of B growing contexts of equal length, one step at a time: {@link #start()} gives the
 * logits after the prompts, {@link #append(int[])} adds one token per row and gives the logits after it.
 * Two strategies with the same answers: {@link FullRunner} (recompute the cropped context every step, the
 * oracle) and {@link CachedRunner} (one new position per step with a KV cache).
 *
 * <p>Every forward runs with gradients off, the model in eval mode, inside a {@link MemoryScope} that is
 * reused step after step, so memory stays flat however long the text; the logits leave the scope as Java
 * arrays (B, V). (One sequence with a cache goes through {@code Gpt.forward(int[], KvCache)}, which opens
 * its own reused scope when it needs ND4J, and makes no array at all on its Java path.)
 */
abstract class ContextRunner {

    protected final Gpt model;
    protected final int blockSize;
    protected final int batch;
    private int[][] context;    // (B, capacity), the first `length` ids of each row are the context
    private int length;

    ContextRunner(Gpt model, int[][] prompts) {
        this.model = model;
        this.blockSize = model.config().blockSize();
        this.batch = prompts.length;
        this.length = prompts[0].length;
        if (length < 1 || length > blockSize) {
            throw new IllegalArgumentException("prompts must hold 1 .. block_size = " + blockSize + " ids, got " + length);
        }
        this.context = new int[batch][];
        for (int b = 0; b < batch; b++) {
            if (prompts[b].length != length) {
                throw new IllegalArgumentException("every prompt of a batch must have the same length: row 0 has "
                        + length + " ids, row " + b + " has " + prompts[b].length);
            }
            context[b] = Arrays.copyOf(prompts[b], Math.max(16, 2 * length));
        }
    }

    /** Logits (B, V) predicting the token after the prompts. */
    abstract float[][] start();

    /** Appends {@code next[b]} to row b; returns the logits (B, V) predicting the token after it. */
    abstract float[][] append(int[] next);

    /** Context length (the same for every row). */
    final int length() {
        return length;
    }

    protected final void push(int[] next) {
        if (next.length != batch) {
            throw new IllegalArgumentException("append: " + next.length + " ids for " + batch + " rows");
        }
        for (int b = 0; b < batch; b++) {
            if (length == context[b].length) {
                context[b] = Arrays.copyOf(context[b], 2 * length);
            }
            context[b][length] = next[b];
        }
        length++;
    }

    /** Context positions [from, to) of every row, as ids (B, to - from). */
    protected final INDArray ids(int from, int to) {
        int[][] out = new int[batch][];
        for (int b = 0; b < batch; b++) {
            out[b] = row(b, from, to);
        }
        return Nd4j.createFromArray(out);                                          // (B, t) int32
    }

    /** Context positions [from, to) of row b. */
    protected final int[] row(int b, int from, int to) {
        return Arrays.copyOfRange(context[b], from, to);
    }

    /** Runs one forward in inference mode inside the step's scope; keeps only the last position's logits. */
    @SuppressWarnings("try")
    protected final float[][] lastLogits(java.util.function.Supplier<Tensor> forward) {
        try (var g = GradMode.off(); var scope = MemoryScope.open("generate-step")) {
            INDArray logits = forward.get().value();                                // (B, t, V)
            long t = logits.size(1);
            INDArray last = logits.get(NDArrayIndex.all(), NDArrayIndex.point(t - 1), NDArrayIndex.all()); // (B, V)
            return last.reshape(batch, logits.size(2)).toFloatMatrix();
        }
    }
}
