package dev.quill.model;

import dev.quill.autograd.Tensor;
import dev.quill.config.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model's weights in the form the Java decoder ({@link RowDecoder}) reads them, made once and shared by
 * every {@link KvCache} of one generator. Which form each weight takes:
 * <pre>
 *   format  model size        projections and head        embedding, positions
 *   F32     &lt;= 20M params    transposed copies           the model's buffers
 *   F32     larger            the model's buffers         the model's buffers
 *   INT8    any               int8, absmax per row        the head's int8 rows when tied, else the buffers
 * </pre>
 * The int8 set is every attention and MLP projection plus the head (GPT-2 ties it to the embedding: at
 * 124M that matrix is 38% of the bytes); norms, biases and positions stay F32. With a tied head, the
 * embedding reads the same int8 rows, so an int8 decoder computes exactly what the F32 path computes on
 * {@link #roundTripInt8 the round-tripped weights}; {@code quill evaluate --weights int8} uses that to
 * report the loss change. The int8 copy is a snapshot: make a new one after the weights change.
 */
public final class DecoderWeights {

    private final WeightFormat format;
    final RowWeight embedding;     // (V, C): row lookups only
    final RowWeight positions;     // (block_size, C), or null for sinusoidal positions
    final RowWeight head;          // (V, C)
    final float[] lnFGain;
    final float[] lnFBias;
    final Layer[] layers;
    final long parameters;         // the model's parameter count
    final boolean large;           // above RowDecoder.MAX_PARAMETERS: products and heads split over threads

    /** One block's weights; biases and the LayerNorm shift may be null. */
    record Layer(float[] ln1Gain, float[] ln1Bias, RowWeight attn, float[] attnBias, RowWeight attnProj,
                 float[] attnProjBias, float[] ln2Gain, float[] ln2Bias, RowWeight fc, float[] fcBias,
                 RowWeight mlpProj, float[] mlpProjBias) {
    }

    private DecoderWeights(Gpt model, WeightFormat format, boolean large) {
        ModelConfig cfg = model.config();
        Map<String, Tensor> p = model.parameters();
        this.format = format;
        this.parameters = model.parameterCount();
        this.large = large;
        String headName = headName(p);
        this.head = projection(p, headName);
        this.embedding = format == WeightFormat.INT8 && headName.equals(WTE) ? head : new StreamedWeight(value(p, WTE));
        this.positions = cfg.positions() == ModelConfig.Positions.LEARNED ? new StreamedWeight(value(p, WPE)) : null;
        this.lnFGain = copy(p, "transformer.ln_f.weight");
        this.lnFBias = copy(p, "transformer.ln_f.bias");
        this.layers = new Layer[cfg.nLayer()];
        for (int l = 0; l < layers.length; l++) {
            String h = "transformer.h." + l + ".";
            layers[l] = new Layer(copy(p, h + "ln_1.weight"), copy(p, h + "ln_1.bias"),
                    projection(p, h + "attn.c_attn.weight"), copy(p, h + "attn.c_attn.bias"),
                    projection(p, h + "attn.c_proj.weight"), copy(p, h + "attn.c_proj.bias"),
                    copy(p, h + "ln_2.weight"), copy(p, h + "ln_2.bias"),
                    projection(p, h + "mlp.c_fc.weight"), copy(p, h + "mlp.c_fc.bias"),
                    projection(p, h + "mlp.c_proj.weight"), copy(p, h + "mlp.c_proj.bias"));
        }
    }

    private static final String WTE = "transformer.wte.weight";
    private static final String WPE = "transformer.wpe.weight";

    /**
     * The decoder's weights of a model.
     *
     * @param model  a FLOAT model without unmerged LoRA adapters
     * @param format F32 reads the model's weights (copies them transposed when the model is small); INT8
     *               quantizes the projections and head once, here
     * @return the weights, ready for {@link KvCache#KvCache(ModelConfig, int, org.nd4j.linalg.api.buffer.DataType, DecoderWeights)}
     * @throws IllegalStateException when the model has unmerged LoRA adapters (merge them first: {@link Lora#merge})
     */
    public static DecoderWeights of(Gpt model, WeightFormat format) {
        if (model.hasAdapters()) {
            throw new IllegalStateException("the Java decoder reads the base weights by name and would skip the model's "
                    + "LoRA adapters; merge them (Lora.merge) or use the general path");
        }
        return new DecoderWeights(model, format, model.parameterCount() > RowDecoder.MAX_PARAMETERS);
    }

    /** F32 weights read in place and split over threads, as for a large model, whatever the model's size (tests). */
    static DecoderWeights streamedF32(Gpt model) {
        return new DecoderWeights(model, WeightFormat.F32, true);
    }

    /** {@return how the projections and head are held} */
    public WeightFormat format() {
        return format;
    }

    /**
     * Replaces each weight that {@link WeightFormat#INT8} quantizes (every projection and the head) by its
     * int8 round trip s q, in place: the F32 model then computes what an int8 decoder computes, in every
     * path (full forward, batches, loss). For measuring what int8 costs in loss; not undone.
     *
     * @param model a FLOAT model
     */
    public static void roundTripInt8(Gpt model) {
        Map<String, Tensor> p = model.parameters();
        for (String name : quantizedNames(model)) {
            INDArray w = value(p, name);                                     // (out, in)
            int out = (int) w.size(0);
            int in = (int) w.size(1);
            Int8Weight q = new Int8Weight(new StreamedWeight(w));          // checks: FLOAT, row-major, unit stride
            java.nio.FloatBuffer buf = w.data().asNioFloat();
            float[] row = new float[in];
            for (int o = 0; o < out; o++) {
                q.row(o, row);                                              // s[o] q[o, :]
                buf.put((int) (w.offset() + (long) o * in), row, 0, in);
            }
        }
    }

    /** The names of the weights INT8 quantizes: each block's four projections, then the head. */
    static List<String> quantizedNames(Gpt model) {
        List<String> names = new ArrayList<>();
        for (int l = 0; l < model.config().nLayer(); l++) {
            String h = "transformer.h." + l + ".";
            names.addAll(List.of(h + "attn.c_attn.weight", h + "attn.c_proj.weight", h + "mlp.c_fc.weight", h + "mlp.c_proj.weight"));
        }
        names.add(headName(model.parameters()));
        return names;
    }

    private static String headName(Map<String, Tensor> p) {
        return p.containsKey("lm_head.weight") ? "lm_head.weight" : WTE;
    }

    /** A projection (out, in) in this decoder's form. */
    private RowWeight projection(Map<String, Tensor> p, String name) {
        INDArray w = value(p, name);
        if (format == WeightFormat.INT8) {
            return new Int8Weight(new StreamedWeight(w));
        }
        return large ? new StreamedWeight(w) : new TransposedWeight(w);
    }

    private static INDArray value(Map<String, Tensor> p, String name) {
        Tensor t = p.get(name);
        if (t == null) {
            throw new IllegalStateException("the decoder needs the parameter " + name + ", which the model lacks");
        }
        return t.value();
    }

    /** A small parameter's values in a Java array, as stored; null when the model has no such parameter. */
    private static float[] copy(Map<String, Tensor> p, String name) {
        Tensor t = p.get(name);
        return t == null ? null : t.value().dup().data().asFloat();
    }
}
