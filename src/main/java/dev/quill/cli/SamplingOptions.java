package dev.quill.cli;

import dev.quill.generate.GenerationConfig;
import dev.quill.generate.SampleConfig;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The sampling options shared by {@code generate} and {@code chat} (a picocli mixin). */
final class SamplingOptions {

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "500", description = "Tokens to generate (default 500).")
    int maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.8", description = "Softmax temperature; 0 = greedy (default 0.8).")
    double temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "200", description = "Keep the K most likely tokens; 0 = all (default 200).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1.0", description = "Nucleus: keep the smallest set reaching P (default 1.0 = off).")
    double topP;

    @Option(names = "--repetition-penalty", paramLabel = "R", defaultValue = "1.0", description = "Penalty for repeated tokens (default 1.0 = off).")
    double repetitionPenalty;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1337", description = "Random seed (default 1337).")
    long seed;

    @Option(names = "--stop", paramLabel = "STR", description = "Stop when this text appears (repeatable); it is not printed.")
    List<String> stop = new ArrayList<>();

    @Option(names = "--no-cache", description = "Recompute the whole context for every token (no KV cache), as nanoGPT does.")
    boolean noCache;

    @Option(names = "--cache-refill", paramLabel = "N", defaultValue = "0",
            description = "When the context fills block_size, keep the last N tokens in the cache and go on; "
                    + "0 (default) keeps half of block_size; N = block_size is nanoGPT's exact crop (a full window per token).")
    int cacheRefill;

    GenerationConfig config() {
        SampleConfig s = new SampleConfig(temperature, topK, topP, repetitionPenalty, seed);
        return GenerationConfig.of(maxNewTokens, s).withStop(stop).withKvCache(!noCache).withCacheRefill(cacheRefill);
    }
}
