package dev.quill.bench;

import dev.quill.autograd.Parallel;
import dev.quill.generate.GenerationConfig;
import dev.quill.generate.Generator;
import dev.quill.generate.SampleConfig;
import dev.quill.model.WeightFormat;
import java.util.Locale;

/**
 * Tokens per second of one sequence's greedy decode from a checkpoint (a Quill checkpoint or a Hugging Face
 * GPT-2 directory): a prompt of P token ids {@code (i * 997 + 13) mod V} (V the tokenizer's size; the same
 * ids as tools/reference/decode_reference.py), N new tokens, no stop, best of R calls after one warm-up
 * call, per weight format. Two figures per format: the whole call (prompt included, as a user waits for
 * it) and the decode alone, (N - 1) / (t(N) - t(1)), where t(1) is the best call that stops after the
 * first new token.
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp target/benchmarks.jar dev.quill.bench.DecodeThroughput \
 *       --checkpoint /tmp/gpt2-124m --prompt-tokens 32 --tokens 256 --repeats 3 --weights f32,int8
 * </pre>
 * One parseable line per format:
 * {@code RESULT impl=quill weights=f32 threads=2 tokens=256 tokens_per_s=.. decode_tokens_per_s=..}.
 */
public final class DecodeThroughput {

    private DecodeThroughput() {
    }

    public static void main(String[] args) throws Exception {
        String checkpoint = null;
        String weights = "f32,int8";
        int promptTokens = 32, tokens = 256, repeats = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--checkpoint" -> checkpoint = args[++i];
                case "--prompt-tokens" -> promptTokens = Integer.parseInt(args[++i]);
                case "--tokens" -> tokens = Integer.parseInt(args[++i]);
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                case "--weights" -> weights = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--checkpoint DIR --prompt-tokens P --tokens N --repeats R --weights f32,int8)");
            }
        }
        if (checkpoint == null) {
            throw new IllegalArgumentException("--checkpoint DIR is required");
        }
        Generator base = Generator.load(java.nio.file.Path.of(checkpoint));
        int vocab = base.tokenizer().vocabSize();
        int[] prompt = new int[promptTokens];
        for (int i = 0; i < promptTokens; i++) {
            prompt[i] = (int) ((i * 997L + 13) % vocab);
        }
        System.out.printf(Locale.ROOT, "checkpoint %s: %d parameters, %s; %d threads; prompt %d ids, %d new tokens greedy, best of %d%n",
                checkpoint, base.model().parameterCount(), base.model().config().toJson(), Parallel.threads(), promptTokens, tokens, repeats);
        var cfg = GenerationConfig.of(tokens, SampleConfig.greedy());
        for (String w : weights.split(",")) {
            Generator gen = base.withWeights(WeightFormat.parse("--weights", w));
            gen.generate(prompt, cfg, s -> { });                                        // warm-up: JIT, scratch
            int[][] ids = new int[1][];
            double first = best(gen, prompt, cfg.withMaxNewTokens(1), repeats, ids);
            double all = best(gen, prompt, cfg, repeats, ids);
            double decode = (tokens - 1) / (all - first);
            System.out.printf(Locale.ROOT, "RESULT impl=quill weights=%s threads=%d tokens=%d tokens_per_s=%.2f decode_tokens_per_s=%.2f"
                    + " prompt_s=%.3f load=%s%n", w, Parallel.threads(), tokens, tokens / all, decode, first, load());
            System.out.printf("TOKENS impl=quill-%s ids=%s%n", w,
                    java.util.Arrays.stream(ids[0]).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(",")));
        }
    }

    /** The best wall time of R calls, in seconds; the last call's new ids go to ids[0]. */
    private static double best(Generator gen, int[] prompt, GenerationConfig cfg, int repeats, int[][] ids) {
        double best = Double.MAX_VALUE;
        for (int r = 0; r < repeats; r++) {
            long t0 = System.nanoTime();
            ids[0] = gen.generate(prompt, cfg, s -> { }).tokens();
            int n = ids[0].length;
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            if (n != cfg.maxNewTokens()) {
                throw new IllegalStateException("generated " + n + " tokens, expected " + cfg.maxNewTokens());
            }
        }
        return best;
    }

    private static String load() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException e) {
            return "n/a";
        }
    }
}
