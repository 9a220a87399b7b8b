package dev.quill.bench;

import java.util.Locale;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The floor under a baby training step: every Linear product of the step (forward, dx, dW) as a bare
 * {@code Nd4j.gemm} into a preallocated output, on the calling thread, in the layouts Quill uses (weights
 * (out, in) as PyTorch stores them):
 * <pre>
 *   y = x W^T  (BT, in) @ (in, out)      dx = dy W  (BT, out) @ (out, in)      dW = dy^T x  (out, BT) @ (BT, in)
 * </pre>
 * for c_attn, attn.c_proj, c_fc and mlp.c_proj of each layer and the tied lm_head once. Attention's own
 * products (Q K^T, P V and their backward) are not GEMMs in Quill (VectorAttention) and are left out. Each
 * product is timed as the best of 5 rounds of 200 calls. No step can take less than this sum over the threads.
 *
 * <p>With {@code --cold} each call takes the next of 48 copies of every operand and output (tens of MB, as a
 * step's arrays are), so the operands come from beyond the core's own caches, as they do inside a step.
 *
 * <pre>
 *   java -cp target/benchmarks.jar dev.quill.bench.GemmFloor [--cold]   (with the thread settings of docs/performance.md)
 * </pre>
 */
public final class GemmFloor {

    private GemmFloor() {
    }

    /** Milliseconds per call of op(a) @ op(b) into a (m, n) output, best of 5 rounds. */
    static double time(INDArray[] a, INDArray[] b, boolean ta, boolean tb, long m, long n) {
        INDArray[] c = new INDArray[a.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = Nd4j.createUninitialized(DataType.FLOAT, m, n);
        }
        int reps = 200;
        for (int i = 0; i < reps; i++) {
            Nd4j.gemm(a[i % a.length], b[i % b.length], c[i % c.length], ta, tb, 1.0, 0.0);
        }
        long best = Long.MAX_VALUE;
        for (int r = 0; r < 5; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) {
                Nd4j.gemm(a[i % a.length], b[i % b.length], c[i % c.length], ta, tb, 1.0, 0.0);
            }
            best = Math.min(best, System.nanoTime() - t0);
        }
        return best / 1e6 / reps;
    }

    /** {@code copies} (rows, cols) FLOAT arrays of uniform values. */
    private static INDArray[] copies(int copies, long rows, long cols) {
        INDArray[] out = new INDArray[copies];
        for (int i = 0; i < copies; i++) {
            out[i] = Nd4j.rand(DataType.FLOAT, rows, cols);
        }
        return out;
    }

    public static void main(String[] args) {
        int bt = 12 * 64, c = 128, v = 65, layers = 4;
        int n = java.util.Arrays.asList(args).contains("--cold") ? 48 : 1;
        int[][] linears = {{c, 3 * c}, {c, c}, {c, 4 * c}, {4 * c, c}, {c, v}};   // (in, out)
        double total = 0;
        for (int[] l : linears) {
            int in = l[0], out = l[1];
            INDArray[] x = copies(n, bt, in), w = copies(n, out, in), dy = copies(n, bt, out);
            double fwd = time(x, w, false, true, bt, out);                   // x W^T
            double dx = time(dy, w, false, false, bt, in);                   // dy W
            double dw = time(dy, x, true, false, out, in);                   // dy^T x
            double flop = 2.0 * bt * in * out;
            int times = out == v ? 1 : layers;
            total += times * (fwd + dx + dw);
            System.out.printf(Locale.ROOT, "%4d -> %4d (x%d): forward %.3f ms (%.0f GFLOP/s), dx %.3f (%.0f), dW %.3f (%.0f)%n",
                    in, out, times, fwd, flop / fwd / 1e6, dx, flop / dx / 1e6, dw, flop / dw / 1e6);
        }
        System.out.printf(Locale.ROOT, "all Linear products of a baby step, one thread%s: %.2f ms%n",
                n > 1 ? ", operands cold" : "", total);
    }
}
