package dev.quill.train;

import dev.quill.autograd.CpuBlas;
import dev.quill.autograd.Tensor;
import dev.quill.config.BadInputException;
import dev.quill.data.Batch;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Data parallelism over a {@link Collective}: every process holds the same model, takes its own rows of the
 * same global batch, and after the backward pass the gradients are summed over the processes, so every
 * process makes the same update.
 *
 * <p>Why the sum is the big batch's gradient: with W processes of B rows each, the loss of the global batch
 * is the mean over its W B rows, L = (1 / W) sum_r L_r, where L_r is process r's mean over its B rows.
 * The gradient is linear, so dL/dθ = sum_r (1 / W) dL_r/dθ: each process scales its loss by 1 / W before
 * the backward pass, and an all-reduce (sum) of the gradients gives every process dL/dθ. Clipping and
 * AdamW then see what one process with the whole batch would have seen (up to float rounding).
 *
 * <p>All gradients travel in one flat float buffer, in the order of the parameter list, with the step's
 * loss in two more floats (a double split into a float and its remainder, so the sum keeps ~48 bits) and a
 * stop flag (Ctrl-C reaches the processes at different moments; they stop together after the step in which
 * any of them asked): one all-reduce per optimizer step.
 */
public final class DataParallel {

    private final Collective group;
    private INDArray flat;                 // (n + 3) FLOAT, outside any workspace: every gradient, the loss, stop
    private boolean stopAgreed;
    private long reduceNanos;              // time in the gradient all-reduce since the last takeAllReduceMs
    private int reduces;
    private List<Tensor> packed;
    private List<INDArray> slots;          // views of flat, one per parameter, in the parameter's shape

    /** @param group the processes that train together; {@link Collective#single()} for plain training */
    public DataParallel(Collective group) {
        this.group = group;
    }

    /** {@return the group} */
    public Collective group() {
        return group;
    }

    /** {@return this process's rank} */
    public int rank() {
        return group.rank();
    }

    /** {@return the number of processes} */
    public int worldSize() {
        return group.worldSize();
    }

    /** {@return whether this process writes the run's files (rank 0)} */
    public boolean writer() {
        return group.rank() == 0;
    }

    /**
     * This process's rows of a global batch: rows [rank B, (rank + 1) B) where B = rows / world size.
     *
     * @param global a batch of W B rows, the same on every process
     * @return its B rows for this rank (the batch itself in a group of one)
     * @throws IllegalArgumentException when the rows do not split evenly
     */
    public Batch shard(Batch global) {
        int w = group.worldSize();
        if (w == 1) {
            return global;
        }
        int rows = global.batchSize(), t = global.blockSize();
        if (rows % w != 0) {
            throw new IllegalArgumentException(rows + " rows do not split over " + w + " processes");
        }
        int b = rows / w, from = group.rank() * b * t, to = from + b * t;
        return Batch.of(b, t, Arrays.copyOfRange(global.inputIds(), from, to), Arrays.copyOfRange(global.targetIds(), from, to));
    }

    /**
     * Sums every parameter's gradient and the step's loss over the processes, in one all-reduce; the
     * gradients are replaced in place by the sums. A no-op in a group of one.
     *
     * @param params the trainable parameters, in the same order on every process
     * @param loss   this process's share of the step's loss (its mean, already divided by the world size)
     * @param stop   whether this process wants to stop after this step
     * @return the loss summed over the processes: the mean over the global batch
     */
    public double allReduceGradients(List<Tensor> params, double loss, boolean stop) {
        if (group.worldSize() == 1) {
            return loss;
        }
        if (packed == null || !packed.equals(params)) {
            allocate(params);
        }
        for (int i = 0; i < params.size(); i++) {   // pack: each gradient into its slice of the flat buffer
            INDArray g = params.get(i).grad();
            if (g == null) {
                slots.get(i).assign(0);             // no gradient on this step: contributes zero
            } else {
                slots.get(i).assign(g);
            }
        }
        long off = flat.length() - 3;
        float hi = (float) loss;                    // the loss as a float and the float of what is left
        flat.putScalar(off, hi);
        flat.putScalar(off + 1, (float) (loss - hi));
        flat.putScalar(off + 2, stop ? 1 : 0);
        long t0 = System.nanoTime();
        group.allReduceSum(flat);                   // on the GPU with NCCL: the device copy, in place
        reduceNanos += System.nanoTime() - t0;
        reduces++;
        stopAgreed = flat.getFloat(off + 2) > 0;
        for (int i = 0; i < params.size(); i++) {   // unpack: the sums back into the gradients
            INDArray g = params.get(i).grad();
            if (g != null) {
                g.assign(slots.get(i));
            }
        }
        return (double) flat.getFloat(off) + flat.getFloat(off + 1);
    }

    /** {@return the mean time of a gradient all-reduce, in ms, since the last call (NaN when there was none)} */
    public double takeAllReduceMs() {
        double ms = reduces == 0 ? Double.NaN : reduceNanos / 1e6 / reduces;
        reduceNanos = 0;
        reduces = 0;
        return ms;
    }

    /** {@return whether any process asked to stop in the last {@link #allReduceGradients} (then all stop)} */
    public boolean stopAgreed() {
        return stopAgreed;
    }

    /**
     * Sums a few doubles over the processes (evaluation's loss sums and weights), each split into two floats.
     *
     * @param values this process's values; replaced by the sums
     */
    public void allReduceSums(double[] values) {
        if (group.worldSize() == 1) {
            return;
        }
        FloatBuffer b = CpuBlas.directFloats(2 * values.length);
        for (int i = 0; i < values.length; i++) {
            putDouble(b, 2 * i, values[i]);
        }
        group.allReduceSum(b);
        for (int i = 0; i < values.length; i++) {
            values[i] = getDouble(b, 2 * i);
        }
    }

    /**
     * Refuses to go on unless every process holds the same fingerprint (of the resolved config, the model's
     * shapes, the code version): rank 0's is broadcast, each compares, and the count of those that differ is
     * summed, so every process stops, in one line, or none does.
     *
     * @param what   what the fingerprint is of, for the message
     * @param digest the fingerprint (its first 8 bytes are compared)
     * @throws BadInputException when any process's fingerprint differs from rank 0's
     */
    public void requireSame(String what, byte[] digest) {
        if (group.worldSize() == 1) {
            return;
        }
        FloatBuffer mine = CpuBlas.directFloats(4);
        for (int i = 0; i < 4; i++) {                // 16 bits per float: exact in a float's 24-bit mantissa
            mine.put(i, ((digest[2 * i] & 0xff) << 8) | (digest[2 * i + 1] & 0xff));
        }
        FloatBuffer root = CpuBlas.directFloats(4);
        root.put(mine.duplicate());
        group.broadcast(root, 0);
        boolean same = true;
        for (int i = 0; i < 4; i++) {
            same &= root.get(i) == mine.get(i);
        }
        FloatBuffer differ = CpuBlas.directFloats(1);
        differ.put(0, same ? 0 : 1);
        group.allReduceSum(differ);
        if (differ.get(0) > 0) {
            throw new BadInputException(same
                    ? (int) differ.get(0) + " of " + group.worldSize() + " processes have a different " + what + " from rank 0's"
                    + "; start every process with the same config and the same Quill build"
                    : "rank " + group.rank() + "'s " + what + " differs from rank 0's; start every process with the same config"
                    + " and the same Quill build");
        }
    }

    private void allocate(List<Tensor> params) {
        long n = params.stream().mapToLong(p -> p.value().length()).sum();
        if (n + 3 > Integer.MAX_VALUE) {
            throw new IllegalStateException(n + " gradient values: more than one buffer holds");
        }
        slots = new ArrayList<>(params.size());
        try (var outside = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            flat = Nd4j.create(DataType.FLOAT, n + 3);                                     // (n + 3)
            long off = 0;
            for (Tensor p : params) {               // each parameter's slice, in its shape: made once, reused every step
                long len = p.value().length();
                slots.add(flat.get(NDArrayIndex.interval(off, off + len)).reshape(p.value().shape()));
                off += len;
            }
        }
        packed = List.copyOf(params);
    }

    /** A double as a float and the float of what is left: their sum over processes keeps about 48 bits. */
    private static void putDouble(FloatBuffer b, int at, double v) {
        float hi = (float) v;
        b.put(at, hi).put(at + 1, (float) (v - hi));
    }

    private static double getDouble(FloatBuffer b, int at) {
        return (double) b.get(at) + b.get(at + 1);
    }
}
