package dev.quill.model;

import dev.quill.autograd.GradMode;
import dev.quill.autograd.MemoryScope;
import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.config.BadInputException;
import dev.quill.config.ModelConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A decoder-only transformer in the GPT-2 layout (Radford et al., 2019), as nanoGPT builds it:
 * <pre>
 *   x = dropout(wte[idx] + positions)           (B, T, C)
 *   x = block_i(x)   for i in 0 .. n_layer-1     (B, T, C)
 *   logits = lm_head(ln_f(x))                    (B, T, V)
 * </pre>
 * With tied embeddings lm_head's weight IS wte's (Press and Wolf, 2017): one tensor, read by the lookup and
 * by the output projection, whose gradient is the sum of both uses. Parameter names are GPT-2's checkpoint
 * keys ({@code transformer.wte.weight}, {@code transformer.h.0.attn.c_attn.weight}, ...).
 */
public final class Gpt extends Module {

    private static final Logger LOG = LoggerFactory.getLogger(Gpt.class);

    private final ModelConfig config;
    private final DataType type;
    private final Rng rng;
    private final Embedding wte;
    private final PositionEncoding positions;
    private final List<Block> blocks = new ArrayList<>();
    private final Norm lnF;
    private final Tensor lmHead; // wte's weight when tied

    /**
     * A freshly initialized model in single precision.
     *
     * @param config the model's shape
     * @param seed   seeds the initial weights and the dropout masks
     */
    public Gpt(ModelConfig config, long seed) {
        this(config, new Rng(seed), DataType.FLOAT);
    }

    /**
     * A freshly initialized model. {@code rng} draws the initial weights, then the dropout masks; the
     * model keeps it, so saving {@code rng().state()} saves where the dropout stream is.
     *
     * @param config the model's shape
     * @param rng    draws the initial weights, then the dropout masks
     * @param type   FLOAT for training, DOUBLE for gradient checks
     */
    public Gpt(ModelConfig config, Rng rng, DataType type) {
        this.config = config;
        this.type = type;
        this.rng = rng;
        int c = config.nEmbd();
        Container transformer = child("transformer", new Container());
        this.wte = transformer.add("wte", new Embedding(config.vocabSize(), c, 0.02, rng, type));
        if (config.positions() == ModelConfig.Positions.LEARNED) {
            this.positions = transformer.add("wpe", new LearnedPositions(config.blockSize(), c, 0.02, rng, type));
        } else {
            this.positions = new SinusoidalPositions(config.blockSize(), c, type);
        }
        Container h = transformer.add("h", new Container());
        for (int i = 0; i < config.nLayer(); i++) {
            blocks.add(h.add(Integer.toString(i), new Block(config, rng, type)));
        }
        this.lnF = Block.norm(config, type);
        transformer.add("ln_f", lnF.module());
        if (config.tieEmbeddings()) {
            this.lmHead = wte.weight();
        } else {
            this.lmHead = child("lm_head", new Linear(c, config.vocabSize(), false, 0.02, rng, type)).weight();
        }
    }

    /**
     * A model whose weights are about to be read from a file: its random parameters are left uninitialised
     * (no draws, {@code rng} at seed 0), which saves seconds and a heap copy of the weights at GPT-2 sizes.
     * Every parameter must be overwritten before the model is used.
     */
    static Gpt forLoading(ModelConfig config, DataType type) {
        return Init.withoutDraws(() -> new Gpt(config, new Rng(0), type));
    }

    /** {@return the shape this model was built with} */
    public ModelConfig config() {
        return config;
    }

    /** {@return the precision of the parameters: FLOAT, or DOUBLE for gradient checks} */
    public DataType dataType() {
        return type;
    }

    /** {@return the generator of the dropout masks (and of the initial weights, already drawn)} */
    public Rng rng() {
        return rng;
    }

    /** {@return the transformer blocks, first to last (the model's own list, not a copy)} */
    public List<Block> blocks() {
        return blocks;
    }

    /**
     * @param idx token ids (B, T), T at most block_size
     * @return the logits (B, T, V) for positions 0 .. T-1
     */
    public Tensor forward(INDArray idx) {
        return forward(idx, 0);
    }

    /**
     * @param idx   token ids (B, T)
     * @param start the position of the first token (learned positions need start + T at most block_size)
     * @return the logits (B, T, V) for positions start .. start+T-1
     * @throws IllegalArgumentException when {@code idx} is not (B, T) or the positions do not fit
     */
    public Tensor forward(INDArray idx, long start) {
        if (idx.rank() != 2) {
            throw new IllegalArgumentException("Gpt.forward: ids must be (B, T), got " + Arrays.toString(idx.shape()));
        }
        int t = (int) idx.size(1);
        if (t > config.blockSize()) {
            throw new IllegalArgumentException("Gpt.forward: sequence of " + t + " tokens is longer than block_size "
                    + config.blockSize());
        }
        Tensor x = wte.forward(idx).add(positions.forward(start, t));              // (B, T, C)
        x = x.dropout(config.dropout(), rng, isTraining());
        for (Block block : blocks) {
            x = block.forward(x);                                                    // (B, T, C)
        }
        x = lnF.forward(x);                                                          // (B, T, C)
        return x.matmul(lmHead, false, true);                                        // (B, T, V)
    }

    /**
     * Logits (B, t, V) for new token ids (B, t) that follow the {@code cache.length()} positions already in
     * the cache, which this call extends. Inference only: run it with gradients off and the model in eval
     * mode. The caller keeps {@code cache.length() + t <= block_size} (see {@link KvCache}).
     *
     * @param idx   the new token ids (B, t)
     * @param cache the keys and values of the positions before them; extended by t positions
     * @return the logits (B, t, V) of the new positions
     * @throws IllegalStateException when gradients are on or the model is in training mode
     */
    public Tensor forward(INDArray idx, KvCache cache) {
        requireInference();
        int t = (int) idx.size(1);
        if (RowDecoder.applies(this, idx.size(0), t, cache)) {                       // one sequence, few positions: Java loops
            float[][] logits = cache.decoder(this).forward(idx.toIntVector(), cache, false); // (t, V)
            cache.advance(t);
            return Tensor.of(Nd4j.createFromArray(logits).reshape(1, t, logits[0].length));
        }
        return lnF.forward(cachedBlocks(idx, cache)).matmul(lmHead, false, true);    // (B, t, V)
    }

    /**
     * {@link #forward(INDArray, KvCache)} for one sequence, with Java arrays in and out: the logits (t, V) of
     * new token ids that follow the cache's positions. When the Java row path ({@code RowDecoder}) takes the
     * call, it creates no INDArray: a generated token costs a few hundred microseconds there, and each native
     * call around it would add tens. Otherwise the general path runs inside a memory scope of its own.
     *
     * @param ids   the new token ids of the one sequence (t)
     * @param cache the keys and values of the positions before them (batch 1); extended by t positions
     * @return the logits (t, V) of the new positions
     * @throws IllegalStateException    when gradients are on or the model is in training mode
     * @throws IllegalArgumentException when the cache holds more than one sequence
     */
    public float[][] forward(int[] ids, KvCache cache) {
        return rows(ids, cache, false);
    }

    /**
     * {@link #forward(int[], KvCache)} that keeps only the last new position's logits (V), the ones a
     * generator samples from: the head, the largest product of a step, runs for that one position, and no
     * (t, V) block of logits is made or copied when a window slide feeds many positions at once.
     *
     * @param ids   the new token ids of the one sequence (t, at least 1)
     * @param cache the keys and values of the positions before them (batch 1); extended by t positions
     * @return the logits (V) after the last new position
     */
    public float[] lastLogits(int[] ids, KvCache cache) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("Gpt.lastLogits: no new token ids");
        }
        return rows(ids, cache, true)[0];
    }

    /** The two Java-array entries: all t rows of logits, or only the last. */
    @SuppressWarnings("try")
    private float[][] rows(int[] ids, KvCache cache, boolean lastOnly) {
        requireInference();
        if (cache.batch() != 1) {
            throw new IllegalArgumentException("Gpt.forward with Java arrays feeds one sequence, but the cache holds "
                    + cache.batch() + "; use forward(INDArray, KvCache) for a batch");
        }
        int t = ids.length;
        if (RowDecoder.applies(this, 1, t, cache)) {
            float[][] logits = cache.decoder(this).forward(ids, cache, lastOnly);       // (t or 1, V)
            cache.advance(t);
            return logits;
        }
        try (var scope = MemoryScope.open("forward-rows")) {
            Tensor x = cachedBlocks(Nd4j.createFromArray(new int[][] {ids}), cache);     // (1, t, C)
            if (lastOnly) {
                x = Tensor.of(x.value().get(NDArrayIndex.all(), NDArrayIndex.interval(t - 1, t), NDArrayIndex.all()).dup()); // (1, 1, C)
            }
            INDArray logits = lnF.forward(x).matmul(lmHead, false, true).value();        // (1, t or 1, V)
            return logits.reshape(logits.size(1), logits.size(2)).toFloatMatrix();
        }
    }

    /** Embeds new ids (B, t) at the cache's next positions and runs every block through the cache: (B, t, C). */
    private Tensor cachedBlocks(INDArray idx, KvCache cache) {
        int t = (int) idx.size(1);
        Tensor x = wte.forward(idx).add(positions.forward(cache.length(), t));       // (B, t, C)
        for (int i = 0; i < blocks.size(); i++) {
            x = blocks.get(i).forwardCached(x, cache, i);                            // (B, t, C)
        }
        cache.advance(t);
        return x;
    }

    private void requireInference() {
        if (GradMode.isEnabled() || isTraining()) {
            throw new IllegalStateException("Gpt.forward with a KV cache is for inference: call train(false) and run it inside GradMode.off()");
        }
    }

    /**
     * {@return true while the model has LoRA adapters that are not merged ({@link Lora#apply}, undone by
     * {@link Lora#merge})} Cached generation then takes the general path, which runs them.
     */
    public boolean hasAdapters() {
        return !Lora.adapters(this).isEmpty();
    }

    /**
     * Mean cross-entropy of the next-token predictions.
     *
     * @param idx     token ids (B, T), T at most block_size
     * @param targets the next token id at each position (B, T); -1 marks a position that counts for nothing
     *                (a prompt, padding)
     * @return the scalar loss in nats, averaged over the positions not ignored (0 when all are), with its graph
     * @throws IllegalArgumentException when {@code idx} is not (B, T) or T exceeds block_size
     */
    public Tensor loss(INDArray idx, INDArray targets) {
        return forward(idx).crossEntropy(targets, -1);
    }

    /** {@return the number of parameter elements without the position table, the figure nanoGPT reports} */
    public long parameterCountWithoutPositions() {
        Tensor wpe = parameters().get("transformer.wpe.weight");
        return parameterCount() - (wpe == null ? 0 : wpe.value().length());
    }

    /**
     * The model FLOPs of training on one token, forward and backward, as nanoGPT and the PaLM paper count them:
     * <pre>
     *   6 N + 12 n_layer n_embd block_size
     * </pre>
     * 6N: each weight does a multiply-add (2 FLOPs) in the forward and two in the backward (dx and dW); N
     * leaves out the position table (a lookup, no products), and the token table too when it is not tied to
     * the head (then it is only a lookup, and lm_head is a weight of its own). The second term is attention's
     * two products, Q K^T and P V, forward and backward, over a full block. The numerator of MFU. Frozen
     * weights (LoRA) count as if trained, although their dW is skipped, as nanoGPT's count would.
     *
     * @return FLOPs per trained token
     */
    public double flopsPerToken() {
        long lookupOnly = config.tieEmbeddings() ? 0 : (long) config.vocabSize() * config.nEmbd();
        return 6.0 * (parameterCountWithoutPositions() - lookupOnly)
                + 12.0 * config.nLayer() * config.nEmbd() * config.blockSize();
    }

    /** Logs the parameter counts, as nanoGPT prints them at start-up. */
    public void logParameterCount() {
        LOG.info("number of parameters: {} ({}M without position embeddings)", parameterCount(),
                String.format("%.2f", parameterCountWithoutPositions() / 1e6));
    }

    /**
     * Chooses the attention of every block: the fused op (the default) or the composite one (for teaching
     * and tests).
     *
     * @param on true for the fused op, false for the composite path
     */
    public void useFusedAttention(boolean on) {
        blocks.forEach(b -> b.attention().useFusedAttention(on));
    }

    /**
     * Copies weights into the parameters: every parameter must be present with its exact shape. Names in
     * {@code state} that are not parameters fail too, unless {@code ignoreExtra} (a file that also holds
     * other tensors). {@code source} names the file in messages. Nothing is changed unless all checks pass.
     *
     * @param state       tensors by checkpoint name; cast to the model's type
     * @param ignoreExtra accept names that are not parameters
     * @param source      where the tensors come from, for messages
     * @throws BadInputException for a missing tensor, a shape that differs, or (without
     *                           {@code ignoreExtra}) a tensor that is not a parameter
     */
    public void loadState(Map<String, INDArray> state, boolean ignoreExtra, String source) {
        Map<String, Tensor> params = parameters();
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            INDArray a = state.get(e.getKey());
            if (a == null) {
                throw new BadInputException(source + ": tensor " + e.getKey() + " is missing (the model's config "
                        + "expects it; is the config.json the one this file was written with?)");
            }
            long[] want = e.getValue().shape();
            if (!Arrays.equals(a.shape(), want)) {
                throw new BadInputException(source + ": tensor " + e.getKey() + " has shape " + Arrays.toString(a.shape())
                        + " but the config gives " + Arrays.toString(want));
            }
        }
        if (!ignoreExtra) {
            for (String name : state.keySet()) {
                if (!params.containsKey(name)) {
                    throw new BadInputException(source + ": tensor " + name + " is not a parameter of this model"
                            + (name.equals("lm_head.weight") ? " (the config ties embeddings; set tie_embeddings: false)" : "")
                            + (name.equals("transformer.wpe.weight") ? " (the config uses sinusoidal positions)" : ""));
                }
            }
        }
        params.forEach((name, p) -> p.value().assign(state.get(name).castTo(type)));
    }

    /**
     * {@link #loadState} for a checkpoint with a smaller vocabulary: the tokenizer has since gained special
     * tokens (a chat template's markers), so the embedding (and an untied head) has more rows than the file.
     * The first rows come from the file; the new ones keep this model's own initialization, N(0, 0.02).
     *
     * @param state  tensors by checkpoint name; {@code transformer.wte.weight} and {@code lm_head.weight} may
     *               have fewer rows (V_old, C) than the model (V_new, C), every other tensor must match exactly
     * @param source where the tensors come from, for messages
     * @throws BadInputException as {@link #loadState}: a missing tensor, a shape that differs (other than
     *                           fewer embedding rows), or a tensor that is not a parameter
     */
    public void loadStateWithNewTokens(Map<String, INDArray> state, String source) {
        Map<String, INDArray> grown = new java.util.LinkedHashMap<>(state);
        Map<String, Tensor> params = parameters();
        for (String name : List.of("transformer.wte.weight", "lm_head.weight")) {
            INDArray a = state.get(name);
            Tensor p = params.get(name);
            if (a != null && p != null && a.rank() == 2 && a.size(1) == p.shape()[1] && a.size(0) < p.shape()[0]) {
                INDArray rows = p.value().dup();                                      // (V_new, C)
                rows.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, a.size(0)),
                        org.nd4j.linalg.indexing.NDArrayIndex.all()).assign(a.castTo(type)); // (V_old, C) from the file
                grown.put(name, rows);
            }
        }
        loadState(grown, false, source);
    }
}
