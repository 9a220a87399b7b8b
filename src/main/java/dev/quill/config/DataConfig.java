package dev.quill.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Where the text comes from and how it becomes tokens.
 *
 * @param path        {@code path}: a UTF-8 text file; null means tiny Shakespeare (downloaded when missing)
 * @param tokenizer   {@code tokenizer}: "char" or "bpe"
 * @param vocabSize   {@code vocab_size}: BPE's target vocabulary (ignored for "char")
 * @param valFraction {@code val_fraction}: the share of tokens, at the end, held out for validation
 * @param dedup       {@code dedup}: drop exact duplicate lines before tokenizing
 */
public record DataConfig(String path, String tokenizer, int vocabSize, double valFraction, boolean dedup) {

    /** The JSON keys, in the order {@link #toJson()} writes them. */
    public static final List<String> KEYS = List.of("path", "tokenizer", "vocab_size", "val_fraction", "dedup");

    private static final String S = "data";

    /**
     * Validates every field; a bad value fails naming the key, the value and what is allowed.
     *
     * @param path        any path, or null for tiny Shakespeare (read, and checked, only when training starts)
     * @param tokenizer   "char" or "bpe"
     * @param vocabSize   at least 257: the 256 byte tokens plus one merge
     * @param valFraction in [0, 1)
     * @param dedup       either
     * @throws BadInputException for the first rule broken
     */
    public DataConfig {
        ConfigJson.require(List.of("char", "bpe").contains(tokenizer), S, "tokenizer", tokenizer, "must be \"char\" or \"bpe\"");
        ConfigJson.require(vocabSize >= 257, S, "vocab_size", vocabSize, "must be at least 257 (256 bytes plus one merge)");
        ConfigJson.require(valFraction >= 0 && valFraction < 1, S, "val_fraction", valFraction, "must be in [0, 1)");
    }

    /** {@return tiny Shakespeare, characters, the last 10% held out for validation, no deduplication} */
    public static DataConfig tinyShakespeareChars() {
        return new DataConfig(null, "char", 1024, 0.1, false);
    }

    /**
     * Reads the keys present in {@code n} over the values of {@code d}.
     *
     * @param n the {@code data} section
     * @param d the values of the keys that {@code n} leaves out
     * @return the merged, validated config
     * @throws BadInputException for an unknown key, a wrong type or a value out of range
     */
    public static DataConfig fromJson(JsonNode n, DataConfig d) {
        ConfigJson.checkKeys(S, n, KEYS);
        return new DataConfig(ConfigJson.getString(S, n, "path", d.path), ConfigJson.getString(S, n, "tokenizer", d.tokenizer),
                ConfigJson.getInt(S, n, "vocab_size", d.vocabSize), ConfigJson.getDouble(S, n, "val_fraction", d.valFraction),
                ConfigJson.getBoolean(S, n, "dedup", d.dedup));
    }

    /**
     * @param p a text file, or null for tiny Shakespeare
     * @return the same config reading another file ({@code --data FILE})
     */
    public DataConfig withPath(String p) {
        return new DataConfig(p, tokenizer, vocabSize, valFraction, dedup);
    }

    /** {@return every key, in {@link #KEYS} order; a null path is written as JSON null} */
    public ObjectNode toJson() {
        ObjectNode o = ConfigJson.object();
        if (path == null) {
            o.putNull("path");
        } else {
            o.put("path", path);
        }
        return o.put("tokenizer", tokenizer).put("vocab_size", vocabSize).put("val_fraction", valFraction).put("dedup", dedup);
    }
}
