package dev.quill.autograd;

import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * One round of a training step's scalar Java kernels on made-up data at a model's shape, for {@link Warmup}:
 * LayerNorm forward and backward over one sequence's rows, GELU forward and backward over its MLP
 * activations, cross-entropy forward and backward over its logits, and the sums of {@link AddKernel} (a
 * residual addition, positions added to two sequences and their gradient summed back). It calls the same
 * static row and range methods that the ops' threads call, on direct buffers of its own, so it needs no ND4J
 * array and can run while ND4J loads. The results are thrown away.
 */
final class KernelRounds implements Runnable {

    private static final int MAX_LOGITS = 1 << 18;   // floats: a big vocabulary gets fewer rows

    private final int t;
    private final int c;
    private final int activations;
    private final int vocab;
    private final int logitRows;
    private final boolean geluTanh;
    private final boolean layerNorm;               // rows of c values fit a scratch array (as in LayerNormKernel)
    private final FloatBuffer x, y, dy, dx;        // (t, c)
    private final FloatBuffer h, hy, hdy, hdx;     // (t, hidden)
    private final FloatBuffer logits, probs, dLogits;   // (logitRows, vocab)
    private final FloatBuffer twoSequences;        // (2, t, c): x added to each, then summed back
    private final FloatBuffer summed;              // (t, c)
    private final float[] gain, shift, dg, db;     // (c)
    private final double[] mean, rstd;             // (t)
    private final double[] rowLoss;                // (logitRows)
    private final int[] targets;                   // (logitRows), never the ignore index

    /**
     * @param blockSize the block size (rows, at most {@link Warmup#MAX_ROWS} of them)
     * @param c         n_embd
     * @param hidden    the MLP's width
     * @param vocab     the vocabulary size
     * @param geluTanh  GELU's tanh form (else the exact one)
     */
    KernelRounds(int blockSize, int c, int hidden, int vocab, boolean geluTanh) {
        int t = Math.min(blockSize, Warmup.MAX_ROWS);
        this.t = t;
        this.c = c;
        this.activations = t * hidden;
        this.vocab = vocab;
        this.logitRows = Math.max(1, Math.min(t, MAX_LOGITS / vocab));
        this.geluTanh = geluTanh;
        this.layerNorm = c <= Scratch.CHUNK;
        x = filled(t * c, 0.37);
        dy = filled(t * c, 0.11);
        y = CpuBlas.directFloats(t * c);
        dx = CpuBlas.directFloats(t * c);
        h = filled(activations, 0.23);
        hdy = filled(activations, 0.07);
        hy = CpuBlas.directFloats(activations);
        hdx = CpuBlas.directFloats(activations);
        logits = filled(logitRows * vocab, 0.19);
        probs = CpuBlas.directFloats(logitRows * vocab);
        dLogits = CpuBlas.directFloats(logitRows * vocab);
        twoSequences = filled(2 * t * c, 0.29);
        summed = CpuBlas.directFloats(t * c);
        gain = new float[c];
        shift = new float[c];
        Arrays.fill(gain, 1f);
        dg = new float[c];
        db = new float[c];
        mean = new double[t];
        rstd = new double[t];
        rowLoss = new double[logitRows];
        targets = new int[logitRows];
        for (int i = 0; i < logitRows; i++) {
            targets[i] = (i * 7) % vocab;
        }
    }

    private static FloatBuffer filled(int n, double step) {
        FloatBuffer b = CpuBlas.directFloats(n);
        for (int i = 0; i < n; i++) {
            b.put(i, (float) Math.sin(step * i));
        }
        return b;
    }

    /** {@return the rows of a round's LayerNorm, GELU and sums} */
    int rows() {
        return t;
    }

    /** {@return the rows of a round's logits} */
    int logitRows() {
        return logitRows;
    }

    /** {@return the mean of each row of the last round's LayerNorm output (for tests)} */
    double[] layerNormRowMeans() {
        double[] means = new double[t];
        for (int r = 0; r < t; r++) {
            double sum = 0;
            for (int j = 0; j < c; j++) {
                sum += y.get(r * c + j);
            }
            means[r] = sum / c;
        }
        return means;
    }

    @Override
    public void run() {
        if (layerNorm) {                                                   // wider rows take LayerNorm's plain path
            LayerNormKernel.forwardRows(x, y, 0, t, c, gain, shift, 1e-5, mean, rstd);
            LayerNormKernel.backwardRows(x, dy, dx, 0, t, c, gain, mean, rstd, dg, db);
        }
        GeluKernel.forwardRange(h, hy, 0, activations, geluTanh);
        GeluKernel.backwardRange(h, hdy, hdx, 0, activations, geluTanh);
        CrossEntropyKernel.forwardRows(logits, probs, 0, logitRows, vocab, targets, -1, rowLoss);
        CrossEntropyKernel.backwardRows(probs, dLogits, 0, logitRows, vocab, targets, -1, 1f / logitRows);
        AddKernel.plusRange(x, dy, dx, t * c, 0, t * c);                   // a residual addition
        AddKernel.plusRange(twoSequences, x, twoSequences, t * c, 0, 2 * t * c);   // positions added to two sequences
        AddKernel.sumRowsRange(twoSequences, summed, t * c, 2, 0, t * c);          // and their gradient summed
    }
}
