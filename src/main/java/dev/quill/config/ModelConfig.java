package dev.quill.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;

/**
 * The shape of a GPT, with nanoGPT's key names where nanoGPT has the concept.
 *
 * @param vocabSize     {@code vocab_size}: number of token ids
 * @param blockSize     {@code block_size}: the longest context, in tokens
 * @param nLayer        {@code n_layer}: transformer blocks
 * @param nHead         {@code n_head}: attention heads per block
 * @param nEmbd         {@code n_embd}: channels C (divisible by n_head; head size C / n_head)
 * @param dropout       {@code dropout}: probability in [0, 1), used on embeddings, attention and residuals
 * @param bias          {@code bias}: biases in Linear layers and norms
 * @param norm          {@code norm}: "layernorm" or "rmsnorm"
 * @param normEps       {@code norm_eps}: the epsilon added to the variance (or mean square)
 * @param positions     {@code positions}: "learned" (a trained table wpe) or "sinusoidal" (fixed)
 * @param tieEmbeddings {@code tie_embeddings}: lm_head shares the token embedding wte
 * @param activation    {@code activation}: "gelu" (exact erf form) or "gelu_tanh"
 * @param mlpRatio      {@code mlp_ratio}: the MLP's hidden width over C
 * @param mlpHidden     {@code mlp_hidden}: the MLP's hidden width itself, for widths that are not a multiple of
 *                      C (a Hugging Face GPT-2's {@code n_inner}); 0 (the default, and absent in the files)
 *                      means {@code mlp_ratio * C}; see {@link #mlpWidth()}
 */
public record ModelConfig(int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd, double dropout,
                          boolean bias, Norm norm, double normEps, Positions positions, boolean tieEmbeddings,
                          Activation activation, int mlpRatio, int mlpHidden) {

    /** Normalization layer kind. */
    public enum Norm {
        /** LayerNorm (Ba et al. 2016): subtract the mean, divide by the standard deviation; GPT-2's choice. */
        LAYERNORM,
        /** RMSNorm (Zhang and Sennrich 2019): divide by the root mean square, without centering. */
        RMSNORM
    }

    /** Position encoding kind. */
    public enum Positions {
        /** A trained table {@code wpe} of shape (block_size, C), as in GPT-2. */
        LEARNED,
        /** The fixed sines and cosines of Vaswani et al. 2017; no parameters. */
        SINUSOIDAL
    }

    /** MLP nonlinearity. */
    public enum Activation {
        /** GELU in its exact form, {@code x * Phi(x)} with the normal CDF written through erf. */
        GELU,
        /** GELU's tanh approximation, the one GPT-2 was trained with ({@code approximate="tanh"} in PyTorch). */
        GELU_TANH
    }

    /** The JSON keys every config has, in the order {@link #toJson()} writes them. */
    public static final List<String> KEYS = List.of("vocab_size", "block_size", "n_layer", "n_head", "n_embd",
            "dropout", "bias", "norm", "norm_eps", "positions", "tie_embeddings", "activation", "mlp_ratio");

    /** The JSON keys that may be absent (then 0: the default); {@link #toJson()} writes them only when set. */
    public static final List<String> OPTIONAL_KEYS = List.of("mlp_hidden");

    private static final List<String> ALL_KEYS = java.util.stream.Stream.concat(KEYS.stream(), OPTIONAL_KEYS.stream()).toList();

    private static final String S = "model";

    /**
     * Validates every field; a bad value fails naming the key, the value and what is allowed.
     *
     * @param vocabSize     at least 1
     * @param blockSize     at least 1
     * @param nLayer        at least 1
     * @param nHead         at least 1
     * @param nEmbd         at least 1, divisible by {@code nHead}, and even with sinusoidal positions
     * @param dropout       in [0, 1)
     * @param bias          either
     * @param norm          not null
     * @param normEps       in (0, 1)
     * @param positions     not null
     * @param tieEmbeddings either
     * @param activation    not null
     * @param mlpRatio      at least 1
     * @param mlpHidden     0 (use mlp_ratio) or a width of at least 1
     * @throws BadInputException for the first rule broken
     */
    public ModelConfig {
        ConfigJson.require(vocabSize >= 1, S, "vocab_size", vocabSize, "must be at least 1");
        ConfigJson.require(blockSize >= 1, S, "block_size", blockSize, "must be at least 1");
        ConfigJson.require(nLayer >= 1, S, "n_layer", nLayer, "must be at least 1");
        ConfigJson.require(nHead >= 1, S, "n_head", nHead, "must be at least 1");
        ConfigJson.require(nEmbd >= 1, S, "n_embd", nEmbd, "must be at least 1");
        ConfigJson.require(nEmbd % nHead == 0, S, "n_embd", nEmbd, "must be divisible by model.n_head = " + nHead);
        ConfigJson.require(dropout >= 0 && dropout < 1, S, "dropout", dropout, "must be in [0, 1)");
        ConfigJson.require(norm != null, S, "norm", norm, "must be \"layernorm\" or \"rmsnorm\"");
        ConfigJson.require(normEps > 0 && normEps < 1, S, "norm_eps", normEps, "must be in (0, 1)");
        ConfigJson.require(positions != null, S, "positions", positions, "must be \"learned\" or \"sinusoidal\"");
        ConfigJson.require(positions != Positions.SINUSOIDAL || nEmbd % 2 == 0, S, "n_embd", nEmbd,
                "must be even with sinusoidal positions");
        ConfigJson.require(activation != null, S, "activation", activation, "must be \"gelu\" or \"gelu_tanh\"");
        ConfigJson.require(mlpRatio >= 1, S, "mlp_ratio", mlpRatio, "must be at least 1");
        ConfigJson.require(mlpHidden >= 0, S, "mlp_hidden", mlpHidden, "must be 0 (mlp_ratio * n_embd) or a width of at least 1");
    }

    /**
     * A config whose MLP is {@code mlp_ratio * C} wide ({@code mlp_hidden} 0), the common case.
     *
     * @param vocabSize     {@code vocab_size}
     * @param blockSize     {@code block_size}
     * @param nLayer        {@code n_layer}
     * @param nHead         {@code n_head}
     * @param nEmbd         {@code n_embd}
     * @param dropout       {@code dropout}
     * @param bias          {@code bias}
     * @param norm          {@code norm}
     * @param normEps       {@code norm_eps}
     * @param positions     {@code positions}
     * @param tieEmbeddings {@code tie_embeddings}
     * @param activation    {@code activation}
     * @param mlpRatio      {@code mlp_ratio}
     * @throws BadInputException as the canonical constructor
     */
    public ModelConfig(int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd, double dropout,
                       boolean bias, Norm norm, double normEps, Positions positions, boolean tieEmbeddings,
                       Activation activation, int mlpRatio) {
        this(vocabSize, blockSize, nLayer, nHead, nEmbd, dropout, bias, norm, normEps, positions, tieEmbeddings,
                activation, mlpRatio, 0);
    }

    /** {@return the MLP's hidden width: {@code mlp_hidden} when set, else {@code mlp_ratio * n_embd}} */
    public int mlpWidth() {
        return mlpHidden > 0 ? mlpHidden : mlpRatio * nEmbd;
    }

    /** {@return the head size hs = C / nh} */
    public int headSize() {
        return nEmbd / nHead;
    }

    /** {@return nanoGPT's CPU "baby" model for tiny Shakespeare: 4 layers, 4 heads, 128 wide, block 64, no dropout} */
    public static ModelConfig shakespeareCharBaby() {
        return new ModelConfig(65, 64, 4, 4, 128, 0.0, false, Norm.LAYERNORM, 1e-5, Positions.LEARNED, true,
                Activation.GELU, 4);
    }

    /** {@return nanoGPT's tiny-Shakespeare character model: 6 layers, 6 heads, 384 wide, block 256, dropout 0.2} */
    public static ModelConfig shakespeareChar() {
        return new ModelConfig(65, 256, 6, 6, 384, 0.2, false, Norm.LAYERNORM, 1e-5, Positions.LEARNED, true,
                Activation.GELU, 4);
    }

    /** {@return GPT-2 small's shape (124M parameters) with nanoGPT's padded vocabulary of 50,304} */
    public static ModelConfig gpt2Small() {
        return new ModelConfig(50304, 1024, 12, 12, 768, 0.0, true, Norm.LAYERNORM, 1e-5, Positions.LEARNED, true,
                Activation.GELU, 4);
    }

    /**
     * @param v the tokenizer's vocabulary size
     * @return the same config with another vocabulary size
     */
    public ModelConfig withVocabSize(int v) {
        return new ModelConfig(v, blockSize, nLayer, nHead, nEmbd, dropout, bias, norm, normEps, positions,
                tieEmbeddings, activation, mlpRatio, mlpHidden);
    }

    /**
     * Reads the keys present in {@code node} over the values of {@code defaults}; unknown keys fail.
     *
     * @param node     the {@code model} section
     * @param defaults the values of the keys that {@code node} leaves out
     * @return the merged, validated config
     * @throws BadInputException for an unknown key, a wrong type, an unknown enum name or a value out of range
     */
    public static ModelConfig fromJson(JsonNode node, ModelConfig defaults) {
        ConfigJson.checkKeys(S, node, ALL_KEYS);
        ModelConfig d = defaults;
        return new ModelConfig(
                ConfigJson.getInt(S, node, "vocab_size", d.vocabSize),
                ConfigJson.getInt(S, node, "block_size", d.blockSize),
                ConfigJson.getInt(S, node, "n_layer", d.nLayer),
                ConfigJson.getInt(S, node, "n_head", d.nHead),
                ConfigJson.getInt(S, node, "n_embd", d.nEmbd),
                ConfigJson.getDouble(S, node, "dropout", d.dropout),
                ConfigJson.getBoolean(S, node, "bias", d.bias),
                parse(Norm.class, "norm", ConfigJson.getString(S, node, "norm", name(d.norm))),
                ConfigJson.getDouble(S, node, "norm_eps", d.normEps),
                parse(Positions.class, "positions", ConfigJson.getString(S, node, "positions", name(d.positions))),
                ConfigJson.getBoolean(S, node, "tie_embeddings", d.tieEmbeddings),
                parse(Activation.class, "activation", ConfigJson.getString(S, node, "activation", name(d.activation))),
                ConfigJson.getInt(S, node, "mlp_ratio", d.mlpRatio),
                ConfigJson.getInt(S, node, "mlp_hidden", d.mlpHidden));
    }

    /**
     * {@return every key, in {@link #KEYS} order, with enum values in lower case as in the files, then
     * {@code mlp_hidden} only when it is set (so configs without it read and write as before)}
     */
    public ObjectNode toJson() {
        ObjectNode o = ConfigJson.object();
        o.put("vocab_size", vocabSize);
        o.put("block_size", blockSize);
        o.put("n_layer", nLayer);
        o.put("n_head", nHead);
        o.put("n_embd", nEmbd);
        o.put("dropout", dropout);
        o.put("bias", bias);
        o.put("norm", name(norm));
        o.put("norm_eps", normEps);
        o.put("positions", name(positions));
        o.put("tie_embeddings", tieEmbeddings);
        o.put("activation", name(activation));
        o.put("mlp_ratio", mlpRatio);
        if (mlpHidden > 0) {
            o.put("mlp_hidden", mlpHidden);
        }
        return o;
    }

    private static String name(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String key, String value) {
        for (E e : type.getEnumConstants()) {
            if (name(e).equals(value)) {
                return e;
            }
        }
        StringBuilder allowed = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            allowed.append(allowed.length() == 0 ? "" : " or ").append('"').append(name(e)).append('"');
        }
        throw new BadInputException(S + "." + key + " = \"" + value + "\": must be " + allowed);
    }
}
