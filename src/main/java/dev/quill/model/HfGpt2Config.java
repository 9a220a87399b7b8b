package dev.quill.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.ModelConfig;
import java.nio.file.Path;

/**
 * The {@code config.json} of a Hugging Face GPT-2 directory ({@code "model_type": "gpt2"}), read into a
 * {@link ModelConfig} and written from one.
 *
 * <p>The keys map as follows; a key that is absent takes transformers' {@code GPT2Config} default:
 * <pre>
 *   n_layer, n_head, n_embd, vocab_size    same meaning                   (12, 12, 768, 50257)
 *   n_positions                            block_size                      (1024)
 *   layer_norm_epsilon                     norm_eps                        (1e-5)
 *   activation_function                    gelu_new, gelu_pytorch_tanh -> gelu_tanh; gelu -> gelu  (gelu_new)
 *   n_inner                                the MLP width: null is 4 C      (null)
 *   tie_word_embeddings                    tie_embeddings                  (true)
 * </pre>
 * GPT-2 always has biases, LayerNorm and a learned position table. Dropout is set to 0: a loaded model is
 * for inference, and a fine-tuning run sets its own. Keys that change the attention's arithmetic
 * ({@code add_cross_attention}, {@code scale_attn_weights}, {@code scale_attn_by_inverse_layer_idx},
 * {@code reorder_and_upcast_attn}) are refused unless they hold GPT-2's standard value; the others
 * (token ids, summary heads, dropouts, {@code n_ctx}) do not change the language model and are ignored.
 */
final class HfGpt2Config {

    /** The {@code model_type} this reader accepts. */
    static final String MODEL_TYPE = "gpt2";

    private HfGpt2Config() {
    }

    /** True when a parsed config.json is a Hugging Face one (it names a {@code model_type}). */
    static boolean isHf(JsonNode node) {
        return node != null && node.isObject() && node.has("model_type");
    }

    /**
     * @param file the config.json, for messages
     * @param node its parsed content, which has a {@code model_type}
     * @return the model's shape, dropout 0
     * @throws BadInputException for another model_type, a setting Quill does not compute, or a bad value
     */
    static ModelConfig read(Path file, JsonNode node) {
        JsonNode type = node.get("model_type");
        if (!type.isTextual() || !type.textValue().equals(MODEL_TYPE)) {
            throw new BadInputException(file + ": model_type " + type + " is not supported (Quill reads Hugging Face "
                    + "\"gpt2\" directories)");
        }
        refuseUnless(file, node, "add_cross_attention", false, "cross-attention is for encoder-decoder models");
        refuseUnless(file, node, "scale_attn_weights", true, "Quill always divides scores by sqrt(head size)");
        refuseUnless(file, node, "scale_attn_by_inverse_layer_idx", false, "Quill does not scale by 1/(layer+1)");
        refuseUnless(file, node, "reorder_and_upcast_attn", false, "Quill does not reorder the attention product");
        String where = file.toString();
        int nEmbd = ConfigJson.getInt(where, node, "n_embd", 768);
        try {
            return new ModelConfig(
                ConfigJson.getInt(where, node, "vocab_size", 50257),
                ConfigJson.getInt(where, node, "n_positions", 1024),
                ConfigJson.getInt(where, node, "n_layer", 12),
                ConfigJson.getInt(where, node, "n_head", 12),
                nEmbd,
                0.0,
                true,
                ModelConfig.Norm.LAYERNORM,
                ConfigJson.getDouble(where, node, "layer_norm_epsilon", 1e-5),
                ModelConfig.Positions.LEARNED,
                ConfigJson.getBoolean(where, node, "tie_word_embeddings", true),
                activation(file, node),
                ratio(file, node, nEmbd),
                hidden(file, node, nEmbd));
        } catch (BadInputException e) {                  // names Quill's key; say which file it came from
            throw new BadInputException(file + " (as a Quill config): " + e.getMessage());
        }
    }

    private static void refuseUnless(Path file, JsonNode node, String key, boolean standard, String why) {
        JsonNode v = node.get(key);
        if (v != null && !v.isNull() && !(v.isBoolean() && v.booleanValue() == standard)) {
            throw new BadInputException(file + ": " + key + " = " + v + " is not supported (only " + standard
                    + "): " + why);
        }
    }

    private static ModelConfig.Activation activation(Path file, JsonNode node) {
        JsonNode v = node.get("activation_function");
        String name = v == null || v.isNull() ? "gelu_new" : v.asText();
        return switch (name) {
            case "gelu_new", "gelu_pytorch_tanh" -> ModelConfig.Activation.GELU_TANH;
            case "gelu" -> ModelConfig.Activation.GELU;
            default -> throw new BadInputException(file + ": activation_function = " + v + " is not supported "
                    + "(Quill computes \"gelu_new\", \"gelu_pytorch_tanh\" and \"gelu\")");
        };
    }

    /** n_inner, or 0 when null or absent (then 4 C). */
    private static int nInner(Path file, JsonNode node) {
        JsonNode v = node.get("n_inner");
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.intValue() < 1) {
            throw new BadInputException(file + ": n_inner = " + v + " must be null or a positive integer");
        }
        return v.intValue();
    }

    /** A width that is a multiple of C becomes mlp_ratio; others go to mlp_hidden. */
    private static int ratio(Path file, JsonNode node, int c) {
        int inner = nInner(file, node);
        return inner == 0 ? 4 : inner % c == 0 ? inner / c : 4;
    }

    private static int hidden(Path file, JsonNode node, int c) {
        int inner = nInner(file, node);
        return inner % c == 0 ? 0 : inner;
    }

    /**
     * The config.json of an export, as transformers' GPT2LMHeadModel reads it.
     *
     * @param cfg    the model's shape; LayerNorm (the caller checks)
     * @param bosId  {@code bos_token_id}, or null to write null (no such token)
     * @param eosId  {@code eos_token_id}, or null to write null (no such token)
     * @return the keys, alphabetical as transformers writes them
     */
    static ObjectNode toJson(ModelConfig cfg, Integer bosId, Integer eosId) {
        ObjectNode o = ConfigJson.object();
        o.put("activation_function", cfg.activation() == ModelConfig.Activation.GELU_TANH ? "gelu_new" : "gelu");
        o.putArray("architectures").add("GPT2LMHeadModel");
        o.put("attn_pdrop", cfg.dropout());
        if (bosId != null) {
            o.put("bos_token_id", bosId);
        } else {
            o.putNull("bos_token_id");                     // absent, transformers would assume GPT-2's 50256
        }
        o.put("embd_pdrop", cfg.dropout());
        if (eosId != null) {
            o.put("eos_token_id", eosId);
        } else {
            o.putNull("eos_token_id");                     // absent, transformers would assume GPT-2's 50256
        }
        o.put("initializer_range", 0.02);
        o.put("layer_norm_epsilon", cfg.normEps());
        o.put("model_type", MODEL_TYPE);
        o.put("n_ctx", cfg.blockSize());
        o.put("n_embd", cfg.nEmbd());
        o.put("n_head", cfg.nHead());
        if (cfg.mlpWidth() == 4 * cfg.nEmbd()) {
            o.putNull("n_inner");
        } else {
            o.put("n_inner", cfg.mlpWidth());
        }
        o.put("n_layer", cfg.nLayer());
        o.put("n_positions", cfg.blockSize());
        o.put("resid_pdrop", cfg.dropout());
        o.put("tie_word_embeddings", cfg.tieEmbeddings());
        o.put("torch_dtype", "float32");
        o.put("vocab_size", cfg.vocabSize());
        return o;
    }
}
