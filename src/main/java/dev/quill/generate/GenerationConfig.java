package dev.quill.generate;

import dev.quill.config.ConfigJson;
import java.util.List;
import java.util.Objects;

/**
 * What one generation call does, as data.
 *
 * @param maxNewTokens  how many tokens to generate at most ({@code max_new_tokens}); a stop sequence may end sooner
 * @param stop          stop sequences, matched on the decoded text; the first match ends the text, unemitted
 * @param sampling      how each token is picked
 * @param kvCache       true: one position per step with the {@link dev.quill.model.KvCache}; false: a full
 *                      forward of the (cropped) context every step, as nanoGPT's {@code generate}
 * @param startToken    the id an empty prompt starts from; -1 means {@code '\n'} when the tokenizer has it as
 *                      one token, else id 0
 * @param cacheRefill   tokens kept (re-fed) when the cache is full and the window slides; 0 (the default) means
 *                      half of block_size; block_size reproduces nanoGPT's crop exactly, at the price of a full
 *                      window's forward for every token past it (see {@link CachedRunner})
 */
public record GenerationConfig(int maxNewTokens, List<String> stop, SampleConfig sampling, boolean kvCache,
                               int startToken, int cacheRefill) {

    private static final String S = "generate";

    /** Validates every field; a bad value fails with a message naming the key. */
    public GenerationConfig {
        ConfigJson.require(maxNewTokens >= 0, S, "max_new_tokens", maxNewTokens, "must be >= 0");
        Objects.requireNonNull(stop, "stop");
        Objects.requireNonNull(sampling, "sampling");
        stop = List.copyOf(stop);
        for (String s : stop) {
            ConfigJson.require(!s.isEmpty(), S, "stop", "\"\"", "stop sequences must not be empty");
        }
        ConfigJson.require(startToken >= -1, S, "start_token", startToken, "must be a token id, or -1 for the default");
        ConfigJson.require(cacheRefill >= 0, S, "cache_refill", cacheRefill, "must be >= 0 (0 means half of block_size)");
    }

    /** maxNewTokens with the given sampling, no stop sequences, the KV cache on, default start token. */
    public static GenerationConfig of(int maxNewTokens, SampleConfig sampling) {
        return new GenerationConfig(maxNewTokens, List.of(), sampling, true, -1, 0);
    }

    public GenerationConfig withStop(List<String> s) {
        return new GenerationConfig(maxNewTokens, s, sampling, kvCache, startToken, cacheRefill);
    }

    public GenerationConfig withKvCache(boolean on) {
        return new GenerationConfig(maxNewTokens, stop, sampling, on, startToken, cacheRefill);
    }

    public GenerationConfig withStartToken(int id) {
        return new GenerationConfig(maxNewTokens, stop, sampling, kvCache, id, cacheRefill);
    }

    public GenerationConfig withCacheRefill(int n) {
        return new GenerationConfig(maxNewTokens, stop, sampling, kvCache, startToken, n);
    }

    public GenerationConfig withSampling(SampleConfig s) {
        return new GenerationConfig(maxNewTokens, stop, s, kvCache, startToken, cacheRefill);
    }

    public GenerationConfig withMaxNewTokens(int n) {
        return new GenerationConfig(n, stop, sampling, kvCache, startToken, cacheRefill);
    }
}
