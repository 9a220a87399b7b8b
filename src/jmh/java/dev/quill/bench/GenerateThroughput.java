package dev.quill.bench;

import dev.quill.config.ModelConfig;
import dev.quill.data.CharTokenizer;
import dev.quill.data.Corpora;
import dev.quill.generate.GenerationConfig;
import dev.quill.generate.Generator;
import dev.quill.generate.SampleConfig;
import dev.quill.model.Gpt;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Tokens per second of {@link Generator} on the baby Shakespeare shape (4 layers, 4 heads, 128 wide, block 64,
 * V = tiny Shakespeare's 65 characters; random weights from seed 1337: speed does not depend on them):
 * N new tokens from the prompt {@code "\n"}, batch 1, {@code SampleConfig.defaults()} (temperature 0.8,
 * top-k 200), best of R calls, each call timed whole. Only public API, as a user would call it. Modes:
 * <ul>
 *   <li>{@code cache}: the KV cache as configured by default (when full, the window slides to its last
 *       block_size / 2 tokens);</li>
 *   <li>{@code cache-exact}: the cache with nanoGPT's exact window (refill = block_size: past block_size, a
 *       full window's forward per token);</li>
 *   <li>{@code nocache}: nanoGPT's loop, a forward of the cropped context per token;</li>
 *   <li>{@code window-cache}, {@code window-nocache}: block_size - 1 tokens, all within one window, where
 *       every cached step is one position.</li>
 * </ul>
 * <pre>
 *   java -Dquill.threads=1 -cp target/benchmarks.jar dev.quill.bench.GenerateThroughput --tokens 500 --repeats 10
 * </pre>
 * {@code --modes cache,window-cache} measures only the modes named (for a profile of one of them).
 * One parseable line per mode:
 * {@code RESULT impl=quill mode=cache tokens=500 tokens_per_s=.. ms_per_token=.. cpu_ms_per_token=..}.
 * CPU time is the calling thread's: the call's whole cost only with one thread (-Dquill.threads=1, ND4J and
 * OpenBLAS at one thread), as bench/compare-generation.sh runs it. This replaces the former
 * src/test/java/dev/quill/generate/GenerationBench.
 */
public final class GenerateThroughput {

    private GenerateThroughput() {
    }

    /** One measured mode: its name in the RESULT line and what the generator is asked to do. */
    private record Mode(String name, String what, GenerationConfig cfg) {
    }

    public static void main(String[] args) {
        int tokens = 500, repeats = 10, warmup = 50;
        java.util.Set<String> only = null;                                          // --modes a,b: just those
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--modes" -> only = java.util.Set.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--tokens N --repeats R --warmup N --modes cache,cache-exact,nocache,window-cache,window-nocache)");
            }
        }
        System.out.printf("threads: quill.threads=%s OMP_NUM_THREADS=%s SD_MAX_THREADS=%s SD_MASTER_THREADS=%s OPENBLAS_NUM_THREADS=%s OMP_WAIT_POLICY=%s%n",
                System.getProperty("quill.threads"), System.getenv("OMP_NUM_THREADS"), System.getenv("SD_MAX_THREADS"),
                System.getenv("SD_MASTER_THREADS"), System.getenv("OPENBLAS_NUM_THREADS"), System.getenv("OMP_WAIT_POLICY"));

        var tokenizer = CharTokenizer.train(Corpora.tinyShakespeare());
        ModelConfig cfg = ModelConfig.shakespeareCharBaby().withVocabSize(tokenizer.vocabSize());
        var gpt = new Gpt(cfg, 1337);
        var gen = new Generator(gpt, tokenizer);
        int block = cfg.blockSize();
        var base = GenerationConfig.of(tokens, SampleConfig.defaults());
        var inWindow = base.withMaxNewTokens(block - 1);                            // prompt + 63 new = one window
        Mode[] all = {
            new Mode("cache", "KV cache, default slide (refill = block_size / 2)", base),
            new Mode("cache-exact", "KV cache, exact window (refill = block_size)", base.withCacheRefill(block)),
            new Mode("nocache", "no cache (nanoGPT's loop)", base.withKvCache(false)),
            new Mode("window-cache", "within one window, KV cache", inWindow),
            new Mode("window-nocache", "within one window, no cache", inWindow.withKvCache(false)),
        };
        java.util.Set<String> keep = only;
        Mode[] modes = java.util.Arrays.stream(all).filter(m -> keep == null || keep.contains(m.name())).toArray(Mode[]::new);
        System.out.printf(Locale.ROOT, "config: %s%n", cfg.toJson());
        System.out.printf(Locale.ROOT, "parameters: %d; batch 1, prompt '\\n', %s; best of %d after %d warm-up tokens per mode%n",
                gpt.parameterCount(), SampleConfig.defaults(), repeats, warmup);
        for (Mode m : modes) {
            gen.generate("\n", m.cfg().withMaxNewTokens(Math.min(warmup, m.cfg().maxNewTokens())));
        }

        var mx = ManagementFactory.getThreadMXBean();
        for (Mode m : modes) {
            double bestS = Double.MAX_VALUE, bestCpuS = Double.MAX_VALUE;
            int n = 0;
            for (int r = 0; r < repeats; r++) {
                long c0 = mx.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                n = gen.generate("\n", m.cfg()).tokens().length;                     // no stop: n = max_new_tokens
                bestS = Math.min(bestS, (System.nanoTime() - t0) / 1e9);
                bestCpuS = Math.min(bestCpuS, (mx.getCurrentThreadCpuTime() - c0) / 1e9);
            }
            System.out.printf(Locale.ROOT, "%-52s %8.1f tokens/s (%.3f ms/token)%n", m.what(), n / bestS, bestS / n * 1e3);
            System.out.printf(Locale.ROOT, "RESULT impl=quill mode=%s tokens=%d tokens_per_s=%.1f ms_per_token=%.3f cpu_ms_per_token=%.3f%n",
                    m.name(), n, n / bestS, bestS / n * 1e3, bestCpuS / n * 1e3);
        }
    }
}
