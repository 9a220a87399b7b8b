package dev.quill.model;

import dev.quill.autograd.Kernels;
import dev.quill.autograd.Tensor;
import dev.quill.config.ModelConfig;
import java.nio.FloatBuffer;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One new token of one sequence through the whole GPT with the {@link KvCache}, in plain Java loops over the
 * weights' host buffers. With a single position every product is a matrix-vector product of a few hundred
 * thousand multiply-adds, far less work than the fixed cost of the hundred-odd native calls the general
 * path makes, so generation on the CPU takes this path (see {@link Gpt#forward(INDArray, KvCache)}). The
 * arithmetic is exactly the general path's; {@code KvCacheTest} compares the two at every step.
 */
final class RowDecoder {

    private final ModelConfig cfg;
    private final Map<String, Tensor> p;
    private final int c;
    private final int nh;
    private final int hs;

    RowDecoder(Gpt model) {
        if (model.hasAdapters()) {
            throw new IllegalStateException("RowDecoder reads the base weights by name and would skip the model's "
                    + "LoRA adapters; merge them (Lora.merge) or use the general path");
        }
        this.cfg = model.config();
        this.p = model.parameters();
        this.c = cfg.nEmbd();
        this.nh = cfg.nHead();
        this.hs = cfg.headSize();
    }

    /**
     * True when this path can run: CPU kernels, single precision, one sequence, one new token, and no
     * unmerged LoRA adapters (this path reads the plain weights by name, so it would silently skip them).
     */
    static boolean applies(Gpt model, INDArray idx) {
        return Kernels.java() && model.dataType() == DataType.FLOAT && idx.size(0) == 1 && idx.size(1) == 1
                && !model.hasAdapters();
    }

    /** Logits (V) of the token at position {@code cache.length()}; fills that position of every layer. */
    float[] step(int token, KvCache cache) {
        int pos = cache.length();
        if (pos >= cache.capacity()) {
            throw new IllegalStateException("KV cache full: position " + pos + " is past block_size " + cache.capacity());
        }
        float[] x = new float[c];
        FloatBuffer wte = buf("transformer.wte.weight");
        for (int i = 0; i < c; i++) {
            x[i] = wte.get(token * c + i);
        }
        if (cfg.positions() == ModelConfig.Positions.LEARNED) {
            FloatBuffer wpe = buf("transformer.wpe.weight");
            for (int i = 0; i < c; i++) {
                x[i] += wpe.get(pos * c + i);
            }
        } else {
            for (int i = 0; i < c; i++) {
                x[i] += (float) SinusoidalPositions.value(pos, i, c);
            }
        }
        for (int l = 0; l < cfg.nLayer(); l++) {
            String h = "transformer.h." + l + ".";
            float[] a = attention(norm(x, h + "ln_1"), h + "attn.", cache, l, pos);
            for (int i = 0; i < c; i++) {
                x[i] += a[i];
            }
            float[] m = mlp(norm(x, h + "ln_2"), h + "mlp.");
            for (int i = 0; i < c; i++) {
                x[i] += m[i];
            }
        }
        float[] xf = norm(x, "transformer.ln_f");
        Tensor head = p.containsKey("lm_head.weight") ? p.get("lm_head.weight") : p.get("transformer.wte.weight");
        return linear(head.value().data().asNioFloat(), null, xf, cfg.vocabSize());
    }

    private float[] attention(float[] x, String prefix, KvCache cache, int layer, int pos) {
        float[] qkv = linear(buf(prefix + "c_attn.weight"), bias(prefix + "c_attn.bias"), x, 3 * c);
        FloatBuffer keys = cache.keys(layer).data().asNioFloat();     // (1, nh, cap, hs)
        FloatBuffer values = cache.values(layer).data().asNioFloat();
        int cap = cache.capacity();
        float[] y = new float[c];
        float[] scores = new float[pos + 1];
        double scale = 1.0 / Math.sqrt(hs);
        for (int head = 0; head < nh; head++) {
            int base = head * cap * hs;
            for (int d = 0; d < hs; d++) {                            // this position's key and value
                keys.put(base + pos * hs + d, qkv[c + head * hs + d]);
                values.put(base + pos * hs + d, qkv[2 * c + head * hs + d]);
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= pos; j++) {                          // q . k_j / sqrt(hs), keys 0..pos
                double s = 0;
                for (int d = 0; d < hs; d++) {
                    s += qkv[head * hs + d] * keys.get(base + j * hs + d);
                }
                scores[j] = (float) (s * scale);
                max = Math.max(max, scores[j]);
            }
            double sum = 0;
            for (int j = 0; j <= pos; j++) {
                scores[j] = (float) Math.exp(scores[j] - max);
                sum += scores[j];
            }
            for (int d = 0; d < hs; d++) {                            // sum_j p_j v_j
                double acc = 0;
                for (int j = 0; j <= pos; j++) {
                    acc += scores[j] * values.get(base + j * hs + d);
                }
                y[head * hs + d] = (float) (acc / sum);
            }
        }
        return linear(buf(prefix + "c_proj.weight"), bias(prefix + "c_proj.bias"), y, c);
    }

    private float[] mlp(float[] x, String prefix) {
        int hidden = cfg.mlpRatio() * c;
        float[] hdn = linear(buf(prefix + "c_fc.weight"), bias(prefix + "c_fc.bias"), x, hidden);
        if (cfg.activation() == ModelConfig.Activation.GELU_TANH) {
            for (int i = 0; i < hidden; i++) {
                double v = hdn[i];
                hdn[i] = (float) (0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v))));
            }
        } else {
            INDArray e = Nd4j.createFromArray(hdn).muli(1.0 / Math.sqrt(2.0));
            Nd4j.exec(new Erf(e, e));                                 // erf(x / sqrt 2), one native call
            FloatBuffer erf = e.data().asNioFloat();
            for (int i = 0; i < hidden; i++) {
                hdn[i] = (float) (hdn[i] * 0.5 * (1 + erf.get(i)));
            }
        }
        return linear(buf(prefix + "c_proj.weight"), bias(prefix + "c_proj.bias"), hdn, c);
    }

    private float[] norm(float[] x, String prefix) {
        FloatBuffer g = buf(prefix + ".weight");
        FloatBuffer b = bias(prefix + ".bias");
        double mean = 0;
        if (cfg.norm() == ModelConfig.Norm.LAYERNORM) {
            for (float v : x) {
                mean += v;
            }
            mean /= c;
        }
        double sq = 0;
        for (float v : x) {
            sq += (v - mean) * (v - mean);
        }
        double rstd = 1.0 / Math.sqrt(sq / c + cfg.normEps());
        float[] y = new float[c];
        for (int i = 0; i < c; i++) {
            y[i] = (float) ((x[i] - mean) * rstd * g.get(i) + (b == null ? 0 : b.get(i)));
        }
        return y;
    }

    /** y = W x + b for W (out, in) in PyTorch's layout. */
    private static float[] linear(FloatBuffer w, FloatBuffer b, float[] x, int out) {
        int in = x.length;
        float[] y = new float[out];
        for (int o = 0; o < out; o++) {
            int row = o * in;
            // four partial sums: independent chains the CPU can run side by side
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int i = 0;
            for (; i + 3 < in; i += 4) {
                s0 += w.get(row + i) * x[i];
                s1 += w.get(row + i + 1) * x[i + 1];
                s2 += w.get(row + i + 2) * x[i + 2];
                s3 += w.get(row + i + 3) * x[i + 3];
            }
            for (; i < in; i++) {
                s0 += w.get(row + i) * x[i];
            }
            float s = (s0 + s1) + (s2 + s3);
            y[o] = b == null ? s : s + b.get(o);
        }
        return y;
    }

    private FloatBuffer buf(String name) {
        return p.get(name).value().data().asNioFloat();
    }

    private FloatBuffer bias(String name) {
        Tensor t = p.get(name);
        return t == null ? null : t.value().data().asNioFloat();
    }
}
