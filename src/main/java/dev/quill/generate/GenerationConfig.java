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

    /**
     * Validates every field; a bad value fails with a message naming the key.
     *
     * @param maxNewTokens 0 or more
     * @param stop         no empty string; copied
     * @param sampling     not null
     * @param kvCache      either
     * @param startToken   a token id, or -1
     * @param cacheRefill  0 or more
     * @throws dev.quill.config.BadInputException for the first rule broken
     */
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

    /**
     * @param maxNewTokens how many tokens to generate at most
     * @param sampling     how each token is picked
     * @return a config with no stop sequences, the KV cache on, the default start token and exact refill
     */
    public static GenerationConfig of(int maxNewTokens, SampleConfig sampling) {
        return new GenerationConfig(maxNewTokens, List.of(), sampling, true, -1, 0);
    }

    /**
     * @param s the stop sequences, replacing the current ones
     * @return the same config with other stop sequences
     */
    public GenerationConfig withStop(List<String> s) {
        return new GenerationConfig(maxNewTokens, s, sampling, kvCache, startToken, cacheRefill);
    }

    /**
     * @param on use the KV cache
     * @return the same config with the cache on or off
     */
    public GenerationConfig withKvCache(boolean on) {
        return new GenerationConfig(maxNewTokens, stop, sampling, on, startToken, cacheRefill);
    }

    /**
     * @param id the id an empty prompt starts from, or -1 for the default
     * @return the same config with another start token
     */
    public GenerationConfig withStartToken(int id) {
        return new GenerationConfig(maxNewTokens, stop, sampling, kvCache, id, cacheRefill);
    }

    /**
     * @param n tokens re-fed when the cache slides; 0 for block_size
     * @return the same config with another refill
     */
    public GenerationConfig withCacheRefill(int n) {
        return new GenerationConfig(maxNewTokens, stop, sampling, kvCache, startToken, n);
    }

    /**
     * @param s how each token is picked
     * @return the same config with other sampling
     */
    public GenerationConfig withSampling(SampleConfig s) {
        return new GenerationConfig(maxNewTokens, stop, s, kvCache, startToken, cacheRefill);
    }

    /**
     * @param n how many tokens to generate at most
     * @return the same config with another length
     */
    public GenerationConfig withMaxNewTokens(int n) {
        return new GenerationConfig(n, stop, sampling, kvCache, startToken, cacheRefill);
    }
}
