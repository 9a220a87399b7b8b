package dev.quill.generate;

import dev.quill.config.ModelConfig;
import dev.quill.data.CharTokenizer;
import dev.quill.data.Corpora;
import dev.quill.model.Gpt;

/**
 * Tokens per second of the generator on the baby Shakespeare shape (4 layers, 4 heads, 128 wide, block 64;
 * random weights: speed does not depend on them), 500 new tokens from a one-token prompt, batch 1:
 * with the KV cache as configured by default (the window slides to its last half block), with the cache and
 * nanoGPT's exact window (refill = block_size: a full window per token past it), and without the cache
 * (nanoGPT's loop). Not a test; run with
 * <pre>
 *   mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 *   java -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.quill.generate.GenerationBench [tokens] [repeats]
 * </pre>
 */
public final class GenerationBench {

    private GenerationBench() {
    }

    public static void main(String[] args) {
        int tokens = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        var tokenizer = CharTokenizer.train(Corpora.tinyShakespeare());
        ModelConfig cfg = ModelConfig.shakespeareCharBaby().withVocabSize(tokenizer.vocabSize());
        var gen = new Generator(new Gpt(cfg, 1337), tokenizer);
        var base = GenerationConfig.of(tokens, SampleConfig.defaults());
        var modes = new String[] {"kv cache (default: refill = block_size / 2)", "kv cache (refill = block_size, exact)",
            "no cache (nanoGPT)"};
        var configs = new GenerationConfig[] {base, base.withCacheRefill(cfg.blockSize()), base.withKvCache(false)};
        for (GenerationConfig c : configs) {
            gen.generate("\n", c.withMaxNewTokens(50));                          // warm-up
        }
        System.out.printf("baby Shakespeare shape, %d new tokens, batch 1, best of %d%n", tokens, repeats);
        for (int m = 0; m < modes.length; m++) {
            double best = Double.MAX_VALUE;
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                int n = gen.generate("\n", configs[m]).tokens().length;
                best = Math.min(best, (System.nanoTime() - t0) / 1e9 / n);
            }
            System.out.printf("  %-40s %8.1f tokens/s  (%.2f ms/token)%n", modes[m], 1 / best, best * 1e3);
        }
        // the cached path within one window, where every step is one position
        var inWindow = GenerationConfig.of(cfg.blockSize() - 1, SampleConfig.defaults());
        for (boolean cache : new boolean[] {true, false}) {
            double best = Double.MAX_VALUE;
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                int n = gen.generate("\n", inWindow.withKvCache(cache)).tokens().length;
                best = Math.min(best, (System.nanoTime() - t0) / 1e9 / n);
            }
            System.out.printf("  within one window (%d tokens), cache %-5s %8.1f tokens/s%n", cfg.blockSize() - 1, cache, 1 / best);
        }
    }
}
