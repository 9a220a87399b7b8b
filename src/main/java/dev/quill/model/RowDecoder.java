package dev.quill.model;

import dev.quill.autograd.Kernels;
import dev.quill.autograd.Tensor;
import dev.quill.config.ModelConfig;
import java.nio.FloatBuffer;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One new token of one sequence through the whole GPT with the {@link KvCache}, in plain Java loops. With a
 * single position every product is a matrix-vector product of a few hundred thousand multiply-adds, far less
 * work than the fixed cost of the hundred-odd native calls the general path makes, so generation on the CPU
 * takes this path (see {@link Gpt#forward(INDArray, KvCache)}).
 *
 * <p>The decoder works on a copy of the weights in Java arrays, taken when it is made (a {@link KvCache}
 * makes one on first use and keeps it): each projection is stored transposed, (in, out), so that
 * {@code y = x W^T} runs as {@code y += x[i] * Wt[i, :]} over contiguous rows, a loop the JIT turns into
 * vector instructions. The arithmetic is the general path's up to float rounding: {@code KvCacheTest}
 * compares the two at every position. Exact GELU takes erf from {@link #erf(double)} (absolute error below
 * 1.5e-7, well under a float's rounding of the activations it scales).
 */
final class RowDecoder {

    /** Models above this many parameters take the general path: the copy would cost more than it saves. */
    static final long MAX_PARAMETERS = 20_000_000L;

    private final ModelConfig cfg;
    private final int c;
    private final int nh;
    private final int hs;
    private final int hidden;
    private final int vocab;
    private final float[] wte;                  // (V, C) as stored: the embedding reads one row
    private final float[] wpe;                  // (block_size, C), or null for sinusoidal positions
    private final float[] headT;                // (C, V): the head, transposed
    private final float[] lnFGain;
    private final float[] lnFBias;
    private final Layer[] layers;

    // scratch, reused every step (a decoder serves one sequence at a time)
    private final float[] x;
    private final float[] xn;
    private final float[] qkv;
    private final float[] att;
    private final float[] proj;
    private final float[] hid;
    private final float[] kRows;
    private final float[] vRows;
    private final float[] scores;

    /** One block's weights; projections transposed to (in, out). Biases and the LayerNorm shift may be null. */
    private record Layer(float[] ln1Gain, float[] ln1Bias, float[] attnT, float[] attnBias, float[] attnProjT,
                         float[] attnProjBias, float[] ln2Gain, float[] ln2Bias, float[] fcT, float[] fcBias,
                         float[] mlpProjT, float[] mlpProjBias) {
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
        this.hidden = cfg.mlpRatio() * c;
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
        this.x = new float[c];
        this.xn = new float[c];
        this.qkv = new float[3 * c];
        this.att = new float[c];
        this.proj = new float[Math.max(c, 1)];
        this.hid = new float[hidden];
        this.kRows = new float[cfg.blockSize() * hs];
        this.vRows = new float[cfg.blockSize() * hs];
        this.scores = new float[cfg.blockSize()];
    }

    /**
     * True when this path can run: CPU kernels, single precision, one sequence, one new token, a small model
     * (the copy is checked once per cache), and no unmerged LoRA adapters (this path reads the plain weights
     * by name, so it would silently skip them).
     */
    static boolean applies(Gpt model, INDArray idx, KvCache cache) {
        return Kernels.java() && model.dataType() == DataType.FLOAT && idx.size(0) == 1 && idx.size(1) == 1
                && !model.hasAdapters() && (cache.hasDecoder() || model.parameterCount() <= MAX_PARAMETERS);
    }

    /** Logits (V) of the token at position {@code cache.length()}; fills that position of every layer. */
    float[] step(int token, KvCache cache) {
        int pos = cache.length();
        if (pos >= cache.capacity()) {
            throw new IllegalStateException("KV cache full: position " + pos + " is past block_size " + cache.capacity());
        }
        for (int i = 0; i < c; i++) {                                  // x = wte[token] + position(pos)
            x[i] = wte[token * c + i] + (wpe != null ? wpe[pos * c + i] : (float) SinusoidalPositions.value(pos, i, c));
        }
        for (int l = 0; l < layers.length; l++) {
            Layer w = layers[l];
            norm(x, w.ln1Gain, w.ln1Bias, xn);
            attention(xn, w, cache, l, pos);                           // att -> proj
            for (int i = 0; i < c; i++) {
                x[i] += proj[i];                                       // x = x + attn(ln_1(x))
            }
            norm(x, w.ln2Gain, w.ln2Bias, xn);
            mlp(xn, w);                                                // -> proj
            for (int i = 0; i < c; i++) {
                x[i] += proj[i];                                       // x = x + mlp(ln_2(x))
            }
        }
        norm(x, lnFGain, lnFBias, xn);
        float[] logits = new float[vocab];
        linear(headT, null, xn, c, vocab, logits);                     // (C) @ (C, V) -> (V)
        return logits;
    }

    /**
     * Attention of the new position over positions 0 .. pos of one layer; writes this position's key and
     * value into the cache. Per head: p = softmax(q . k_j / sqrt(hs)) over j, y = sum_j p_j v_j.
     */
    private void attention(float[] in, Layer w, KvCache cache, int layer, int pos) {
        linear(w.attnT, w.attnBias, in, c, 3 * c, qkv);              // (C) -> (3C): q | k | v
        FloatBuffer keys = cache.keys(layer).data().asNioFloat();     // (1, nh, cap, hs)
        FloatBuffer values = cache.values(layer).data().asNioFloat();
        int cap = cache.capacity();
        int n = pos + 1;
        double scale = 1.0 / Math.sqrt(hs);
        for (int head = 0; head < nh; head++) {
            int base = head * cap * hs;
            keys.put(base + pos * hs, qkv, c + head * hs, hs);         // this position's key and value
            values.put(base + pos * hs, qkv, 2 * c + head * hs, hs);
            keys.get(base, kRows, 0, n * hs);                          // keys and values 0 .. pos, one bulk copy each
            values.get(base, vRows, 0, n * hs);
            int q = head * hs;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                int kj = j * hs;
                float s0 = 0, s1 = 0;
                int d = 0;
                for (; d + 1 < hs; d += 2) {
                    s0 += qkv[q + d] * kRows[kj + d];
                    s1 += qkv[q + d + 1] * kRows[kj + d + 1];
                }
                if (d < hs) {
                    s0 += qkv[q + d] * kRows[kj + d];
                }
                scores[j] = (float) ((s0 + s1) * scale);
                max = Math.max(max, scores[j]);
            }
            double sum = 0;
            for (int j = 0; j < n; j++) {
                scores[j] = (float) Math.exp(scores[j] - max);
                sum += scores[j];
            }
            float inv = (float) (1.0 / sum);
            java.util.Arrays.fill(att, q, q + hs, 0f);
            for (int j = 0; j < n; j++) {                              // y += p_j v_j
                float pj = scores[j] * inv;
                int vj = j * hs;
                for (int d = 0; d < hs; d++) {
                    att[q + d] += pj * vRows[vj + d];
                }
            }
        }
        linear(w.attnProjT, w.attnProjBias, att, c, c, proj);
    }

    /** proj = c_proj(gelu(c_fc(in))). */
    private void mlp(float[] in, Layer w) {
        linear(w.fcT, w.fcBias, in, c, hidden, hid);
        if (cfg.activation() == ModelConfig.Activation.GELU_TANH) {
            for (int i = 0; i < hidden; i++) {                         // 0.5 v (1 + tanh(sqrt(2/pi) (v + 0.044715 v^3)))
                double v = hid[i];
                hid[i] = (float) (0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))));
            }
        } else {
            for (int i = 0; i < hidden; i++) {                         // 0.5 v (1 + erf(v / sqrt 2))
                double v = hid[i];
                hid[i] = (float) (0.5 * v * (1 + erf(v * 0.7071067811865476)));
            }
        }
        linear(w.mlpProjT, w.mlpProjBias, hid, hidden, c, proj);
    }

    /** LayerNorm (with mean) or RMSNorm (without), times the gain, plus the shift when there is one. */
    private void norm(float[] in, float[] gain, float[] shift, float[] out) {
        double mean = 0;
        if (cfg.norm() == ModelConfig.Norm.LAYERNORM) {
            for (float v : in) {
                mean += v;
            }
            mean /= c;
        }
        double sq = 0;
        for (float v : in) {
            sq += (v - mean) * (v - mean);
        }
        double rstd = 1.0 / Math.sqrt(sq / c + cfg.normEps());
        for (int i = 0; i < c; i++) {
            out[i] = (float) ((in[i] - mean) * rstd * gain[i] + (shift == null ? 0 : shift[i]));
        }
    }

    /**
     * y = x W^T + b with W^T stored (in, out): y = b + sum_i x[i] Wt[i, :]. Four rows of Wt per pass over y,
     * so y is read and written a quarter as often; the inner loop runs over contiguous floats and vectorizes.
     */
    static void linear(float[] wt, float[] b, float[] in, int nIn, int nOut, float[] y) {
        if (b == null) {
            java.util.Arrays.fill(y, 0, nOut, 0f);
        } else {
            System.arraycopy(b, 0, y, 0, nOut);
        }
        int i = 0;
        for (; i + 3 < nIn; i += 4) {
            float x0 = in[i], x1 = in[i + 1], x2 = in[i + 2], x3 = in[i + 3];
            int r0 = i * nOut, r1 = r0 + nOut, r2 = r1 + nOut, r3 = r2 + nOut;
            for (int o = 0; o < nOut; o++) {
                y[o] += x0 * wt[r0 + o] + x1 * wt[r1 + o] + x2 * wt[r2 + o] + x3 * wt[r3 + o];
            }
        }
        for (; i < nIn; i++) {
            float xi = in[i];
            int r = i * nOut;
            for (int o = 0; o < nOut; o++) {
                y[o] += xi * wt[r + o];
            }
        }
    }

    /**
     * erf(z) by Abramowitz and Stegun's formula 7.1.26: with t = 1 / (1 + p |z|),
     * erf(|z|) = 1 - (a1 t + a2 t^2 + a3 t^3 + a4 t^4 + a5 t^5) exp(-z^2), absolute error below 1.5e-7;
     * erf is odd.
     */
    static double erf(double z) {
        double a = Math.abs(z);
        double t = 1.0 / (1.0 + 0.3275911 * a);
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        double r = 1.0 - poly * Math.exp(-a * a);
        return z < 0 ? -r : r;
    }

    /** A parameter's values in a Java array, as stored; null when the model has no such parameter. */
    private static float[] copy(Map<String, Tensor> p, String name) {
        Tensor t = p.get(name);
        return t == null ? null : t.value().dup().data().asFloat();
    }

    /** A weight (out, in) copied transposed, (in, out). */
    private static float[] transposed(Map<String, Tensor> p, String name) {
        INDArray w = p.get(name).value();                               // (out, in)
        int out = (int) w.size(0);
        int in = (int) w.size(1);
        float[] src = w.dup().data().asFloat();
        float[] t = new float[in * out];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                t[i * out + o] = src[o * in + i];
            }
        }
        return t;
    }
}
