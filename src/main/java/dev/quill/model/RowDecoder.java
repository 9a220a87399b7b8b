package dev.quill.model;

import dev.quill.autograd.FastMath;
import dev.quill.autograd.Kernels;
import dev.quill.autograd.Tensor;
import dev.quill.config.ModelConfig;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * New positions of one sequence through the whole GPT with the {@link KvCache}, in plain Java loops. A
 * generation step feeds one position, and a window slide a few dozen: every product is then a few hundred
 * thousand to a few million multiply-adds, less work than the fixed cost of the hundred-odd native calls the
 * general path makes, so generation on the CPU takes this path (see {@link Gpt#forward(INDArray, KvCache)}).
 *
 * <p>The decoder works on a copy of the weights in Java arrays, taken when it is made (a {@link KvCache}
 * makes one on first use and keeps it). Each projection is stored transposed, as one array per input row,
 * {@code Wt[i]} of length out, so that {@code y = x W^T} runs as {@code y += x[i] * Wt[i]}: every array in
 * that inner loop is indexed by the loop variable alone, the form HotSpot's C2 turns into vector
 * instructions (with the rows at offsets {@code i * out} of one flat array it did not, in JDK 17 or 25: ~5
 * against ~20 GFLOP/s). The arithmetic is the general path's up to float rounding: {@code KvCacheTest}
 * compares the two at every position. Exact GELU uses {@link FastMath#gelu}.
 */
final class RowDecoder {

    /** Models above this many parameters take the general path: the copy would cost more than it saves. */
    static final long MAX_PARAMETERS = 20_000_000L;

    /**
     * Most multiply-adds (new positions x parameters) one call may cost here: at ~20 GFLOP/s that is a few
     * milliseconds, about what the general path spends on its native calls alone; more goes to ND4J's GEMMs.
     */
    static final long MAX_ROW_MACS = 1L << 26;

    private final ModelConfig cfg;
    private final int c;
    private final int nh;
    private final int hs;
    private final int hidden;
    private final int vocab;
    private final float[] wte;                  // (V, C) as stored: the embedding reads one row
    private final float[] wpe;                  // (block_size, C), or null for sinusoidal positions
    private final float[][] headT;              // (C, V): the head, transposed
    private final float[] lnFGain;
    private final float[] lnFBias;
    private final Layer[] layers;
    final long parameters;                      // the model's parameter count, for applies()

    // scratch, one row per new position, grown on demand (a decoder serves one sequence at a time)
    private float[][] x = new float[0][];       // (t, C) the residual stream
    private float[][] xn = new float[0][];      // (t, C) normalized
    private float[][] qkv = new float[0][];     // (t, 3C) q | k | v
    private float[][] att = new float[0][];     // (t, C) heads side by side
    private float[][] proj = new float[0][];    // (t, C) a sublayer's output
    private float[][] hid = new float[0][];     // (t, H) the MLP's hidden layer
    private final float[] kRows;                // (n, hs) one head's keys 0 .. n-1
    private final float[] vRows;
    private final float[] scores;
    private final float[] acc;                  // (hs) one head's output for one position

    /** One block's weights; projections transposed to (in, out). Biases and the LayerNorm shift may be null. */
    private record Layer(float[] ln1Gain, float[] ln1Bias, float[][] attnT, float[] attnBias, float[][] attnProjT,
                         float[] attnProjBias, float[] ln2Gain, float[] ln2Bias, float[][] fcT, float[] fcBias,
                         float[][] mlpProjT, float[] mlpProjBias) {
    }

    RowDecoder(Gpt model) {
        if (model.hasAdapters()) {
            throw new IllegalStateException("RowDecoder reads the base weights by name and would skip the model's "
                    + "LoRA adapters; merge them (Lora.merge) or use the general path");
        }
        this.cfg = model.config();
        Map<String, Tensor> p = model.parameters();
        this.c = cfg.nEmbd();
        this.nh = cfg.nHead();
        this.hs = cfg.headSize();
        this.hidden = cfg.mlpWidth();
        this.vocab = cfg.vocabSize();
        this.wte = copy(p, "transformer.wte.weight");
        this.wpe = cfg.positions() == ModelConfig.Positions.LEARNED ? copy(p, "transformer.wpe.weight") : null;
        this.headT = transposed(p, p.containsKey("lm_head.weight") ? "lm_head.weight" : "transformer.wte.weight");
        this.lnFGain = copy(p, "transformer.ln_f.weight");
        this.lnFBias = copy(p, "transformer.ln_f.bias");
        this.layers = new Layer[cfg.nLayer()];
        for (int l = 0; l < layers.length; l++) {
            String h = "transformer.h." + l + ".";
            layers[l] = new Layer(copy(p, h + "ln_1.weight"), copy(p, h + "ln_1.bias"),
                    transposed(p, h + "attn.c_attn.weight"), copy(p, h + "attn.c_attn.bias"),
                    transposed(p, h + "attn.c_proj.weight"), copy(p, h + "attn.c_proj.bias"),
                    copy(p, h + "ln_2.weight"), copy(p, h + "ln_2.bias"),
                    transposed(p, h + "mlp.c_fc.weight"), copy(p, h + "mlp.c_fc.bias"),
                    transposed(p, h + "mlp.c_proj.weight"), copy(p, h + "mlp.c_proj.bias"));
        }
        this.parameters = model.parameterCount();
        this.kRows = new float[cfg.blockSize() * hs];
        this.vRows = new float[cfg.blockSize() * hs];
        this.scores = new float[cfg.blockSize()];
        this.acc = new float[hs];
    }

    /**
     * True when this path can run: CPU kernels, single precision, one sequence, a small model (the copy is
     * checked once per cache), few enough new positions ({@link #MAX_ROW_MACS}), and no unmerged LoRA
     * adapters (this path reads the plain weights by name, so it would silently skip them).
     */
    static boolean applies(Gpt model, long batch, long t, KvCache cache) {
        if (!Kernels.java() || model.dataType() != DataType.FLOAT || batch != 1 || model.hasAdapters()) {
            return false;
        }
        long params = cache.hasDecoder() ? cache.decoder(model).parameters : model.parameterCount();
        return params <= MAX_PARAMETERS && t * params <= MAX_ROW_MACS;
    }

    /**
     * Logits (t, V) of new tokens at positions {@code cache.length()} onwards, or with {@code lastOnly} those
     * of the last new position alone (1, V); fills those positions of every layer (the caller advances the
     * cache).
     */
    float[][] forward(int[] tokens, KvCache cache, boolean lastOnly) {
        int pos = cache.length();
        int t = tokens.length;
        if (pos + t > cache.capacity()) {
            throw new IllegalStateException("KV cache full: " + pos + " + " + t + " positions exceed block_size " + cache.capacity());
        }
        ensureRows(t);
        for (int r = 0; r < t; r++) {                                  // x = wte[token] + position(pos + r)
            int p = pos + r;
            for (int i = 0; i < c; i++) {
                x[r][i] = wte[tokens[r] * c + i] + (wpe != null ? wpe[p * c + i] : (float) SinusoidalPositions.value(p, i, c));
            }
        }
        for (int l = 0; l < layers.length; l++) {
            Layer w = layers[l];
            norm(x, w.ln1Gain, w.ln1Bias, xn, t);
            attention(w, cache, l, pos, t);                            // xn -> proj
            addInto(x, proj, t);                                       // x = x + attn(ln_1(x))
            norm(x, w.ln2Gain, w.ln2Bias, xn, t);
            mlp(w, t);                                                 // xn -> proj
            addInto(x, proj, t);                                       // x = x + mlp(ln_2(x))
        }
        norm(x, lnFGain, lnFBias, xn, t);
        if (lastOnly) {
            float[][] logits = new float[1][vocab];
            linear(headT, null, new float[][] {xn[t - 1]}, 1, logits);  // (1, C) @ (C, V) -> (1, V)
            return logits;
        }
        float[][] logits = new float[t][vocab];
        linear(headT, null, xn, t, logits);                            // (t, C) @ (C, V) -> (t, V)
        return logits;
    }

    /**
     * Attention of new positions pos .. pos+t-1 over positions 0 .. their own, in one layer; writes their
     * keys and values into the cache first. Per head and position p: s_j = q . k_j / sqrt(hs) for j <= p,
     * a = softmax(s), y = sum_j a_j v_j.
     */
    private void attention(Layer w, KvCache cache, int layer, int pos, int t) {
        linear(w.attnT, w.attnBias, xn, t, qkv);                       // (t, C) -> (t, 3C): q | k | v
        FloatBuffer keys = cache.keys(layer).data().asNioFloat();     // (1, nh, cap, hs)
        FloatBuffer values = cache.values(layer).data().asNioFloat();
        int cap = cache.capacity();
        int n = pos + t;
        float scale = (float) (1.0 / Math.sqrt(hs));
        for (int head = 0; head < nh; head++) {
            int base = head * cap * hs;
            for (int r = 0; r < t; r++) {                              // the new keys and values
                keys.put(base + (pos + r) * hs, qkv[r], c + head * hs, hs);
                values.put(base + (pos + r) * hs, qkv[r], 2 * c + head * hs, hs);
            }
            keys.get(base, kRows, 0, n * hs);                          // keys and values 0 .. n-1, one bulk copy each
            values.get(base, vRows, 0, n * hs);
            int q = head * hs;
            for (int r = 0; r < t; r++) {
                float[] qr = qkv[r];
                int seen = pos + r + 1;                                // causal: positions 0 .. pos + r
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < seen; j++) {
                    int kj = j * hs;
                    float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                    int d = 0;
                    for (; d + 3 < hs; d += 4) {
                        s0 += qr[q + d] * kRows[kj + d];
                        s1 += qr[q + d + 1] * kRows[kj + d + 1];
                        s2 += qr[q + d + 2] * kRows[kj + d + 2];
                        s3 += qr[q + d + 3] * kRows[kj + d + 3];
                    }
                    for (; d < hs; d++) {
                        s0 += qr[q + d] * kRows[kj + d];
                    }
                    scores[j] = (s0 + s1 + s2 + s3) * scale;
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < seen; j++) {
                    scores[j] = (float) Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                float inv = (float) (1.0 / sum);
                Arrays.fill(acc, 0f);
                for (int j = 0; j < seen; j++) {                       // y += a_j v_j
                    float aj = scores[j] * inv;
                    int vj = j * hs;
                    for (int d = 0; d < hs; d++) {
                        acc[d] += aj * vRows[vj + d];
                    }
                }
                System.arraycopy(acc, 0, att[r], q, hs);
            }
        }
        linear(w.attnProjT, w.attnProjBias, att, t, proj);
    }

    /** proj = c_proj(gelu(c_fc(xn))). */
    private void mlp(Layer w, int t) {
        linear(w.fcT, w.fcBias, xn, t, hid);
        for (int r = 0; r < t; r++) {
            float[] h = hid[r];
            if (cfg.activation() == ModelConfig.Activation.GELU_TANH) {
                for (int i = 0; i < hidden; i++) {                     // 0.5 v (1 + tanh(sqrt(2/pi) (v + 0.044715 v^3)))
                    double v = h[i];
                    h[i] = (float) (0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))));
                }
            } else {
                FastMath.gelu(h, h, hidden);                           // v Phi(v)
            }
        }
        linear(w.mlpProjT, w.mlpProjBias, hid, t, proj);
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

    /**
     * y[r] = b + in[r] W^T for rows r < t, with W^T stored as rows wt[i] (length out): y[r] = b + sum_i
     * in[r][i] wt[i]. Four weight rows per pass over each output row, so y is read and written a quarter as
     * often, and the four rows serve every position before the next four are read.
     */
    static void linear(float[][] wt, float[] b, float[][] in, int t, float[][] y) {
        int nIn = wt.length;
        int nOut = wt[0].length;
        for (int r = 0; r < t; r++) {
            if (b == null) {
                Arrays.fill(y[r], 0, nOut, 0f);
            } else {
                System.arraycopy(b, 0, y[r], 0, nOut);
            }
        }
        int i = 0;
        for (; i + 3 < nIn; i += 4) {
            float[] w0 = wt[i], w1 = wt[i + 1], w2 = wt[i + 2], w3 = wt[i + 3];
            for (int r = 0; r < t; r++) {
                float[] xr = in[r];
                float[] yr = y[r];
                float x0 = xr[i], x1 = xr[i + 1], x2 = xr[i + 2], x3 = xr[i + 3];
                for (int o = 0; o < nOut; o++) {
                    yr[o] += x0 * w0[o] + x1 * w1[o] + x2 * w2[o] + x3 * w3[o];
                }
            }
        }
        for (; i < nIn; i++) {
            float[] wi = wt[i];
            for (int r = 0; r < t; r++) {
                float xi = in[r][i];
                float[] yr = y[r];
                for (int o = 0; o < nOut; o++) {
                    yr[o] += xi * wi[o];
                }
            }
        }
    }

    /** A parameter's values in a Java array, as stored; null when the model has no such parameter. */
    private static float[] copy(Map<String, Tensor> p, String name) {
        Tensor t = p.get(name);
        return t == null ? null : t.value().dup().data().asFloat();
    }

    /** A weight (out, in) copied transposed, as one array per input: rows[i][o] = w[o][i]. */
    private static float[][] transposed(Map<String, Tensor> p, String name) {
        INDArray w = p.get(name).value();                               // (out, in)
        int out = (int) w.size(0);
        int in = (int) w.size(1);
        float[] t = w.transpose().dup('c').data().asFloat();           // (in, out), transposed by ND4J
        float[][] rows = new float[in][];
        for (int i = 0; i < in; i++) {
            rows[i] = Arrays.copyOfRange(t, i * out, (i + 1) * out);
        }
        return rows;
    }
}
