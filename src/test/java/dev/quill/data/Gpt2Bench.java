package dev.quill.data;

import java.nio.file.Path;
import java.util.ArrayList;

/**
 * Encoding throughput of {@link Gpt2Tokenizer} with GPT-2's vocabulary on a whole text (tiny
 * Shakespeare by default), one thread, best of the repeats in wall-clock and in the thread's CPU time
 * (steadier on a shared machine). Not a test: bench/compare-tokenizers.sh runs it beside tiktoken
 * and Hugging Face tokenizers. Prints {@code RESULT} lines:
 * <ul>
 *   <li>{@code quill-cold}: a freshly loaded tokenizer (empty chunk cache), after JIT warm-up;</li>
 *   <li>{@code quill-warm}: the same text again on the same tokenizer (every chunk cached);</li>
 *   <li>{@code pretok-scanner} / {@code pretok-regex}: the pre-split alone, hand-written scanner vs
 *       java.util.regex, in chunks per second.</li>
 * </ul>
 * {@code java -cp target/classes:target/test-classes:CLASSPATH dev.quill.data.Gpt2Bench [text] [repeats]}
 */
public final class Gpt2Bench {

    private Gpt2Bench() {
    }

    public static void main(String[] args) {
        Path file = Path.of(args.length > 0 ? args[0] : "data/tinyshakespeare.txt");
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String text = Corpora.readText(file);
        Path files = Path.of("src/test/resources/gpt2");
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        int tokens = 0;
        double[] cold = {Double.MAX_VALUE, Double.MAX_VALUE}; // wall, CPU seconds
        double[] warm = {Double.MAX_VALUE, Double.MAX_VALUE};
        for (int r = 0; r < repeats + 2; r++) { // two warm-up rounds for the JIT
            Gpt2Tokenizer t = Gpt2Tokenizer.load(files);
            long c0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            tokens = t.encode(text).length;
            long t1 = System.nanoTime();
            long c1 = threads.getCurrentThreadCpuTime();
            t.encode(text);
            long t2 = System.nanoTime();
            long c2 = threads.getCurrentThreadCpuTime();
            if (r >= 2) {
                cold[0] = Math.min(cold[0], (t1 - t0) / 1e9);
                cold[1] = Math.min(cold[1], (c1 - c0) / 1e9);
                warm[0] = Math.min(warm[0], (t2 - t1) / 1e9);
                warm[1] = Math.min(warm[1], (c2 - c1) / 1e9);
            }
        }
        report("quill-cold", tokens, cold);
        report("quill-warm", tokens, warm);
        double scanner = Double.MAX_VALUE;
        double regex = Double.MAX_VALUE;
        int chunks = 0;
        for (int r = 0; r < repeats + 2; r++) {
            var a = new ArrayList<String>(tokens);
            long t0 = System.nanoTime();
            Gpt2PreTokenizer.forEachChunk(text, 0, text.length(), a::add);
            long t1 = System.nanoTime();
            var b = new ArrayList<String>(tokens);
            Gpt2PreTokenizer.forEachChunkRegex(text, 0, text.length(), b::add);
            long t2 = System.nanoTime();
            if (!a.equals(b)) {
                throw new AssertionError("scanner and regex disagree");
            }
            chunks = a.size();
            if (r >= 2) {
                scanner = Math.min(scanner, (t1 - t0) / 1e9);
                regex = Math.min(regex, (t2 - t1) / 1e9);
            }
        }
        System.out.printf("RESULT impl=pretok-scanner chunks=%d seconds=%.4f chunks_per_s=%.0f%n", chunks, scanner, chunks / scanner);
        System.out.printf("RESULT impl=pretok-regex chunks=%d seconds=%.4f chunks_per_s=%.0f%n", chunks, regex, chunks / regex);
    }

    private static void report(String impl, int tokens, double[] seconds) {
        System.out.printf("RESULT impl=%s tokens=%d seconds=%.4f tokens_per_s=%.0f cpu_seconds=%.4f%n", impl, tokens,
                seconds[0], tokens / seconds[0], seconds[1]);
    }
}
