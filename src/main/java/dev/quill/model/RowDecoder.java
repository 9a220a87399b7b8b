package dev.quill.model;

import dev.quill.autograd.FastMath;
import dev.quill.autograd.Kernels;
import dev.quill.autograd.Parallel;
import dev.quill.config.ModelConfig;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * New positions of one sequence through the whole GPT with the {@link KvCache}, in Java loops over Java
 * arrays (a large model's weight products in OpenBLAS calls on the model's buffers). A
 * generation step feeds one position, and a window slide a few dozen: every product is then a
 * matrix-vector product or a few, less work than the fixed cost of the hundred-odd native calls the general
 * path makes, so generation on the CPU takes this path (see {@link Gpt#forward(INDArray, KvCache)}).
 *
 * <p>The weights come from {@link DecoderWeights}, shared by every cache of one generator, in one of three
 * forms ({@link RowWeight}): for a small model a transposed copy (fast for the few dozen positions of a
 * window slide); for a large one (GPT-2 124M) the model's own F32 buffers, read in place, split over
 * threads and handed to OpenBLAS, since one position per step makes the step a read of every weight, bound
 * by memory bandwidth; or int8 rows with a scale each, a quarter of those bytes. The arithmetic is the
 * general path's up to float rounding (and the int8 rounding of the weights): {@code KvCacheTest} and
 * {@code StreamedDecodeTest} compare the paths at every position. Exact GELU uses {@link FastMath#gelu}.
 */
final class RowDecoder {

    /** Models above this many parameters read their F32 weights in place instead of copying them. */
    static final long MAX_PARAMETERS = 20_000_000L;

    /**
     * Most multiply-adds (new positions x parameters) one call may cost on a small model: at ~20 GFLOP/s that
     * is a few milliseconds, about what the general path spends on its native calls alone; more goes to
     * ND4J's GEMMs.
     */
    static final long MAX_ROW_MACS = 1L << 26;

    private final ModelConfig cfg;
    private final DecoderWeights w;
    private final int c;
    private final int nh;
    private final int hs;
    private final int hidden;
    private final int vocab;
    private final float[] pos;                  // (C) one position's embedding

    // scratch, one row per new position, grown on demand (a decoder serves one sequence at a time)
    private float[][] x = new float[0][];       // (t, C) the residual stream
    private float[][] xn = new float[0][];      // (t, C) normalized
    private float[][] qkv = new float[0][];     // (t, 3C) q | k | v
    private float[][] att = new float[0][];     // (t, C) heads side by side
    private float[][] proj = new float[0][];    // (t, C) a sublayer's output
    private float[][] hid = new float[0][];     // (t, H) the MLP's hidden layer
    private final float[][] scores;             // (nh, n)
    private final float[][] acc;                // (nh, hs) one head's output for one position

    RowDecoder(ModelConfig cfg, DecoderWeights weights) {
        this.cfg = cfg;
        this.w = weights;
        this.c = cfg.nEmbd();
        this.nh = cfg.nHead();
        this.hs = cfg.headSize();
        this.hidden = cfg.mlpWidth();
        this.vocab = cfg.vocabSize();
        this.pos = new float[c];
        this.scores = new float[nh][cfg.blockSize()];
        this.acc = new float[nh][hs];
    }

    /** {@return the model's parameter count} */
    long parameters() {
        return w.parameters;
    }

    /**
     * True when this path can run: CPU kernels, single precision, one sequence, no unmerged LoRA adapters
     * (this path reads the plain weights by name, so it would silently skip them), and: int8 weights always
     * (the general path has none) and F32 weights of a large model (its products are OpenBLAS calls on the
     * model's buffers, a prompt's positions in one GEMM: a 32-token prompt at GPT-2 124M took 121-126 ms here
     * against 131 ms on the general path, one thread); F32 weights of a small model for few enough new
     * positions ({@link #MAX_ROW_MACS}).
     */
    static boolean applies(Gpt model, long batch, long t, KvCache cache) {
        if (!Kernels.java() || model.dataType() != DataType.FLOAT || batch != 1 || model.hasAdapters()) {
            return false;
        }
        DecoderWeights weights = cache.weights();
        if (weights != null && weights.format() == WeightFormat.INT8) {
            return true;
        }
        long params = weights != null ? weights.parameters : model.parameterCount();
        return params > MAX_PARAMETERS || t * params <= MAX_ROW_MACS;
    }

    /**
     * Logits (t, V) of new tokens at positions {@code cache.length()} onwards, or with {@code lastOnly} those
     * of the last new position alone (1, V); fills those positions of every layer (the caller advances the
     * cache).
     */
    float[][] forward(int[] tokens, KvCache cache, boolean lastOnly) {
        int start = cache.length();
        int t = tokens.length;
        if (start + t > cache.capacity()) {
            throw new IllegalStateException("KV cache full: " + start + " + " + t + " positions exceed block_size " + cache.capacity());
        }
        ensureRows(t);
        for (int r = 0; r < t; r++) {                                  // x = wte[token] + position(start + r)
            int p = start + r;
            w.embedding.row(tokens[r], x[r]);
            if (w.positions != null) {
                w.positions.row(p, pos);
            }
            for (int i = 0; i < c; i++) {
                x[r][i] += w.positions != null ? pos[i] : (float) SinusoidalPositions.value(p, i, c);
            }
        }
        for (int l = 0; l < w.layers.length; l++) {
            DecoderWeights.Layer layer = w.layers[l];
            norm(x, layer.ln1Gain(), layer.ln1Bias(), xn, t);
            attention(layer, cache, l, start, t);                      // xn -> proj
            addInto(x, proj, t);                                       // x = x + attn(ln_1(x))
            norm(x, layer.ln2Gain(), layer.ln2Bias(), xn, t);
            mlp(layer, t);                                             // xn -> proj
            addInto(x, proj, t);                                       // x = x + mlp(ln_2(x))
        }
        norm(x, w.lnFGain, w.lnFBias, xn, t);
        if (lastOnly) {
            float[][] logits = new float[1][vocab];
            w.head.apply(new float[][] {xn[t - 1]}, 1, null, logits);  // (1, C) @ (C, V) -> (1, V)
            return logits;
        }
        float[][] logits = new float[t][vocab];
        w.head.apply(xn, t, null, logits);                             // (t, C) @ (C, V) -> (t, V)
        return logits;
    }

    /**
     * Attention of new positions pos .. pos+t-1 over positions 0 .. their own, in one layer; writes their
     * keys and values into the cache first. Per head and position p: s_j = q . k_j / sqrt(hs) for j <= p,
     * a = softmax(s), y = sum_j a_j v_j. Heads are independent: a large model splits them over threads.
     */
    private void attention(DecoderWeights.Layer layer, KvCache cache, int l, int pos, int t) {
        layer.attn().apply(xn, t, layer.attnBias(), qkv);              // (t, C) -> (t, 3C): q | k | v
        FloatBuffer keys = cache.keys(l).data().asNioFloat();         // (1, nh, cap, hs)
        FloatBuffer values = cache.values(l).data().asNioFloat();
        float[][][] rows = cache.rows(l);                       // their Java copy: keys, values per head
        int cap = cache.capacity();
        int valid = Math.min(cache.rowsValid(l), pos);                 // positions valid .. pos-1 came from elsewhere
        if (w.large) {
            Parallel.forEach(nh, head -> attendHead(head, keys, values, rows, cap, valid, pos, t));
        } else {
            for (int head = 0; head < nh; head++) {
                attendHead(head, keys, values, rows, cap, valid, pos, t);
            }
        }
        cache.rowsValid(l, pos + t);
        layer.attnProj().apply(att, t, layer.attnProjBias(), proj);
    }

    /**
     * One head of {@link #attention}: its own scores and columns of att. The head's keys and values
     * are read from the cache's Java copy, which holds positions 0 .. valid-1; positions valid .. pos-1 (written
     * by the general path) are copied in first, and the new ones go to both the cache and the copy, so a token
     * copies only what is new instead of the head's whole history.
     */
    private void attendHead(int head, FloatBuffer keys, FloatBuffer values, float[][][] rows, int cap, int valid,
                            int pos, int t) {
        float scale = (float) (1.0 / Math.sqrt(hs));
        float[] kr = rows[0][head];                                    // (cap * hs) keys 0 .. pos+t-1 once filled
        float[] vr = rows[1][head];
        float[] sc = scores[head];
        float[] ac = acc[head];
        boolean vector = RowDots.vector();
        int base = head * cap * hs;
        keys.get(base + valid * hs, kr, valid * hs, (pos - valid) * hs);
        values.get(base + valid * hs, vr, valid * hs, (pos - valid) * hs);
        for (int r = 0; r < t; r++) {                                  // the new keys and values
            int at = (pos + r) * hs;
            System.arraycopy(qkv[r], c + head * hs, kr, at, hs);
            System.arraycopy(qkv[r], 2 * c + head * hs, vr, at, hs);
            keys.put(base + at, kr, at, hs);
            values.put(base + at, vr, at, hs);
        }
        int q = head * hs;
        for (int r = 0; r < t; r++) {
            float[] qr = qkv[r];
            int seen = pos + r + 1;                                    // causal: positions 0 .. pos + r
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < seen; j++) {
                sc[j] = RowDots.dot(vector, qr, q, kr, j * hs, hs) * scale;
                max = Math.max(max, sc[j]);
            }
            double sum = 0;
            for (int j = 0; j < seen; j++) {
                sc[j] = (float) Math.exp(sc[j] - max);
                sum += sc[j];
            }
            float inv = (float) (1.0 / sum);
            Arrays.fill(ac, 0f);
            for (int j = 0; j < seen; j++) {                           // y += a_j v_j
                float aj = sc[j] * inv;
                int vj = j * hs;
                for (int d = 0; d < hs; d++) {
                    ac[d] += aj * vr[vj + d];
                }
            }
            System.arraycopy(ac, 0, att[r], q, hs);
        }
    }

    /** proj = c_proj(gelu(c_fc(xn))). */
    private void mlp(DecoderWeights.Layer layer, int t) {
        layer.fc().apply(xn, t, layer.fcBias(), hid);
        for (int r = 0; r < t; r++) {
            float[] h = hid[r];
            if (cfg.activation() == ModelConfig.Activation.GELU_TANH) {
                FastMath.geluTanh(h, h, hidden);       // 0.5 v (1 + tanh(sqrt(2/pi) (v + 0.044715 v^3)))
            } else {
                FastMath.gelu(h, h, hidden);                           // v Phi(v)
            }
        }
        layer.mlpProj().apply(hid, t, layer.mlpProjBias(), proj);
    }

    /** LayerNorm (with mean) or RMSNorm (without) of each row, times the gain, plus the shift when there is one. */
    private void norm(float[][] in, float[] gain, float[] shift, float[][] out, int t) {
        for (int r = 0; r < t; r++) {
            float[] row = in[r];
            double mean = 0;
            if (cfg.norm() == ModelConfig.Norm.LAYERNORM) {
                for (int i = 0; i < c; i++) {
                    mean += row[i];
                }
                mean /= c;
            }
            double sq = 0;
            for (int i = 0; i < c; i++) {
                sq += (row[i] - mean) * (row[i] - mean);
            }
            double rstd = 1.0 / Math.sqrt(sq / c + cfg.normEps());
            float[] o = out[r];
            for (int i = 0; i < c; i++) {
                o[i] = (float) ((row[i] - mean) * rstd * gain[i] + (shift == null ? 0 : shift[i]));
            }
        }
    }

    private void addInto(float[][] a, float[][] b, int t) {
        for (int r = 0; r < t; r++) {
            float[] ar = a[r];
            float[] br = b[r];
            for (int i = 0; i < c; i++) {
                ar[i] += br[i];
            }
        }
    }

    /** Grows the scratch rows to at least t. */
    private void ensureRows(int t) {
        if (x.length >= t) {
            return;
        }
        x = new float[t][c];
        xn = new float[t][c];
        qkv = new float[t][3 * c];
        att = new float[t][c];
        proj = new float[t][c];
        hid = new float[t][hidden];
    }
}
