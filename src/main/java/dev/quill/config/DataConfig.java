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

    public static final List<String> KEYS = List.of("path", "tokenizer", "vocab_size", "val_fraction", "dedup");

    private static final String S = "data";

    public DataConfig {
        ConfigJson.require(List.of("char", "bpe").contains(tokenizer), S, "tokenizer", tokenizer, "must be \"char\" or \"bpe\"");
        ConfigJson.require(vocabSize >= 257, S, "vocab_size", vocabSize, "must be at least 257 (256 bytes plus one merge)");
        ConfigJson.require(valFraction >= 0 && valFraction < 1, S, "val_fraction", valFraction, "must be in [0, 1)");
    }

    /** Tiny Shakespeare, characters, 10% validation. */
    public static DataConfig tinyShakespeareChars() {
        return new DataConfig(null, "char", 1024, 0.1, false);
    }

    public static DataConfig fromJson(JsonNode n, DataConfig d) {
        ConfigJson.checkKeys(S, n, KEYS);
        return new DataConfig(ConfigJson.getString(S, n, "path", d.path), ConfigJson.getString(S, n, "tokenizer", d.tokenizer),
                ConfigJson.getInt(S, n, "vocab_size", d.vocabSize), ConfigJson.getDouble(S, n, "val_fraction", d.valFraction),
                ConfigJson.getBoolean(S, n, "dedup", d.dedup));
    }

    public DataConfig withPath(String p) {
        return new DataConfig(p, tokenizer, vocabSize, valFraction, dedup);
    }

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
