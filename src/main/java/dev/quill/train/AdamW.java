package dev.quill.train;

import dev.quill.autograd.Kernels;
import dev.quill.autograd.MemoryScope;
import dev.quill.autograd.Parallel;
import dev.quill.autograd.Tensor;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, 2019), step t counting from 1:
 * <pre>{@code
 *   p <- p * (1 - lr * wd)                       decay, only for the decay group
 *   m <- beta1 m + (1 - beta1) g
 *   v <- beta2 v + (1 - beta2) g^2
 *   p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * }</pre>
 * (the bias-corrected update exactly as torch.optim.AdamW computes it). Decay groups: every parameter
 * with two or more axes (weight matrices, embeddings) decays; biases and norm gains, vectors, do not,
 * since shrinking a gain toward 0 is not a simpler model, just a different one.
 *
 * <p>On the CPU the update is one fused Java loop (no temporaries) over blocks of every parameter's
 * elements, which Quill's threads share; elsewhere it is the same formula in ND4J ops (see {@link Kernels}).
 */
public final class AdamW {

    private static final Logger LOG = LoggerFactory.getLogger(AdamW.class);

    private final List<String> names = new ArrayList<>();
    private final List<Tensor> params = new ArrayList<>();
    private final List<Boolean> decays = new ArrayList<>();
    private final List<INDArray> m = new ArrayList<>();
    private final List<INDArray> v = new ArrayList<>();
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private long t;

    /**
     * Zeroes both moments of every parameter and logs the two groups' sizes.
     *
     * @param parameters  the parameters by name, in the order their state is saved
     * @param weightDecay wd, applied to the decay group only
     * @param beta1       the first moment's decay
     * @param beta2       the second moment's decay
     * @param eps         added to the denominator
     */
    public AdamW(Map<String, Tensor> parameters, double weightDecay, double beta1, double beta2, double eps) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        long decayCount = 0, decayTensors = 0, plainCount = 0, plainTensors = 0;
        for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
            Tensor p = e.getValue();
            boolean decay = p.rank() >= 2;
            names.add(e.getKey());
            params.add(p);
            decays.add(decay);
            m.add(MemoryScope.outside(() -> Nd4j.zeros(p.dataType(), p.shape())));
            v.add(MemoryScope.outside(() -> Nd4j.zeros(p.dataType(), p.shape())));
            if (decay) {
                decayTensors++;
                decayCount += p.value().length();
            } else {
                plainTensors++;
                plainCount += p.value().length();
            }
        }
        // every parameter is in exactly one group
        if (decayTensors + plainTensors != parameters.size()) {
            throw new IllegalStateException("AdamW: decay groups do not partition the parameters");
        }
        LOG.info("AdamW: {} decayed tensors ({} parameters), {} non-decayed tensors ({} parameters)",
                decayTensors, decayCount, plainTensors, plainCount);
    }

    /** {@return the names of the parameters in the decay group, in order} */
    public List<String> decayed() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            if (decays.get(i)) {
                out.add(names.get(i));
            }
        }
        return out;
    }

    /** {@return the number of completed updates, t} */
    public long stepCount() {
        return t;
    }

    /**
     * Applies one update from the parameters' current gradients (a parameter without one is skipped).
     *
     * @param lr the learning rate of this step, from the schedule
     */
    public void step(double lr) {
        t++;
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = Math.sqrt(1 - Math.pow(beta2, t));
        List<Block> blocks = new ArrayList<>();           // the FLOAT parameters' elements, cut for Quill's threads
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            INDArray g = p.grad();
            if (g == null) {
                continue; // a parameter the loss did not reach
            }
            double wd = decays.get(i) ? weightDecay : 0.0;
            INDArray w = p.value();
            if (Kernels.java() && Kernels.plain(w) && Kernels.plain(g) && w.dataType() == DataType.FLOAT
                    && g.dataType() == DataType.FLOAT) {
                int n = (int) w.length();
                FloatBuffer[] wgmv = {w.data().asNioFloat(), g.data().asNioFloat(), m.get(i).data().asNioFloat(),
                        v.get(i).data().asNioFloat()};
                for (int from = 0; from < n; from += BLOCK) {
                    blocks.add(new Block(wgmv, from, Math.min(n, from + BLOCK), (float) (1 - lr * wd)));
                }
            } else if (Kernels.java() && Kernels.plain(w) && Kernels.plain(g) && w.dataType() == DataType.DOUBLE
                    && g.dataType() == DataType.DOUBLE) {
                updateDouble(w.data().asNioDouble(), g.data().asNioDouble(), m.get(i).data().asNioDouble(),
                        v.get(i).data().asNioDouble(), (int) w.length(), lr, wd, bc1, bc2);
            } else {
                updateNd4j(w, g, m.get(i), v.get(i), lr, wd, bc1, bc2);
            }
        }
        // all the blocks in one parallel region, taken in turn by Quill's threads: a small model has many
        // tensors below the size worth splitting alone, which one call per tensor left to a single thread
        float b1 = (float) beta1, b2 = (float) beta2, stepSize = (float) (lr / bc1), c2 = (float) bc2, e = (float) eps;
        Parallel.forEach(blocks.size(), k -> {
            Block b = blocks.get(k);
            FloatBuffer[] f = b.wgmv();
            updateFloat(f[0], f[1], f[2], f[3], b.from(), b.to(), b.decay(), b1, b2, stepSize, c2, e);
        });
    }

    /** Elements [from, to) of one FLOAT parameter: its w, g, m and v storage, and its decay factor 1 - lr wd. */
    private record Block(FloatBuffer[] wgmv, int from, int to, float decay) {
    }

    // elements per block: 59 blocks for the baby model's 0.8M parameters, so the threads' shares even out
    private static final int BLOCK = 1 << 14;

    /** The update of elements [from, to) of one FLOAT parameter, in chunks copied into float arrays (they vectorize). */
    private static void updateFloat(FloatBuffer w, FloatBuffer g, FloatBuffer m1, FloatBuffer m2, int from, int to,
                                    float decay, float b1, float b2, float stepSize, float c2, float e) {
        float[][] buf = BUFFERS.get();
        float[] ws = buf[0], gs = buf[1], ms = buf[2], vs = buf[3];
        for (int s = from; s < to; s += CHUNK) {
            int len = Math.min(CHUNK, to - s);
            w.get(s, ws, 0, len);
            g.get(s, gs, 0, len);
            m1.get(s, ms, 0, len);
            m2.get(s, vs, 0, len);
            for (int i = 0; i < len; i++) {
                float gi = gs[i];
                float mi = b1 * ms[i] + (1 - b1) * gi;
                float vi = b2 * vs[i] + (1 - b2) * gi * gi;
                ms[i] = mi;
                vs[i] = vi;
                ws[i] = ws[i] * decay - stepSize * mi / ((float) Math.sqrt(vi) / c2 + e);
            }
            w.put(s, ws, 0, len);
            m1.put(s, ms, 0, len);
            m2.put(s, vs, 0, len);
        }
    }

    private static final int CHUNK = 2048;
    // per thread, made once: w, g, m, v chunks (no garbage per parameter per step)
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[4][CHUNK]);

    private void updateDouble(DoubleBuffer w, DoubleBuffer g, DoubleBuffer m1, DoubleBuffer m2, int n, double lr,
                              double wd, double bc1, double bc2) {
        double decay = 1 - lr * wd;
        double stepSize = lr / bc1;
        for (int i = 0; i < n; i++) {
            double gi = g.get(i);
            double mi = beta1 * m1.get(i) + (1 - beta1) * gi;
            double vi = beta2 * m2.get(i) + (1 - beta2) * gi * gi;
            m1.put(i, mi);
            m2.put(i, vi);
            w.put(i, w.get(i) * decay - stepSize * mi / (Math.sqrt(vi) / bc2 + eps));
        }
    }

    /** The same update in ND4J ops, for backends whose memory Java cannot touch. */
    private void updateNd4j(INDArray w, INDArray g, INDArray m1, INDArray m2, double lr, double wd, double bc1, double bc2) {
        try (MemoryScope scope = MemoryScope.open("adamw")) {
            if (wd != 0) {
                w.muli(1 - lr * wd);
            }
            m1.muli(beta1).addi(g.mul(1 - beta1));
            m2.muli(beta2).addi(g.mul(g).muli(1 - beta2));
            INDArray denom = Transforms.sqrt(m2, true).divi(bc2).addi(eps);
            w.subi(m1.div(denom).muli(lr / bc1));
        }
    }

    /**
     * {@return the optimizer state for a checkpoint: m and v per parameter ({@code exp_avg.NAME},
     * {@code exp_avg_sq.NAME}, PyTorch's names); the live arrays, not copies}
     */
    public Map<String, INDArray> state() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            out.put("exp_avg." + names.get(i), m.get(i));
            out.put("exp_avg_sq." + names.get(i), v.get(i));
        }
        return out;
    }

    /**
     * Restores m, v and the step count saved by {@link #state()}.
     *
     * @param state     the moments under {@link #state()}'s names
     * @param stepCount t at the time of saving
     * @throws dev.quill.config.BadInputException when a parameter's moments are missing
     */
    public void restore(Map<String, INDArray> state, long stepCount) {
        for (int i = 0; i < names.size(); i++) {
            INDArray a = state.get("exp_avg." + names.get(i));
            INDArray b = state.get("exp_avg_sq." + names.get(i));
            if (a == null || b == null) {
                throw new dev.quill.config.BadInputException("optimizer state lacks the moments of " + names.get(i));
            }
            m.get(i).assign(a);
            v.get(i).assign(b);
        }
        this.t = stepCount;
    }
}
