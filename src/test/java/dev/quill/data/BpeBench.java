package dev.quill.data;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Measures BPE on tiny Shakespeare: training to a vocabulary size (default 1,024) and encoding
 * throughput. Not a test; run by hand (see docs/02-data.md for the command):
 * {@code java -cp ... dev.quill.data.BpeBench [vocabSize] [path] [out.json]}. With {@code out.json} it
 * only trains and saves, like {@code quill tokenizer train} will.
 */
public final class BpeBench {

    private BpeBench() {
    }

    public static void main(String[] args) {
        int vocab = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
        Path file = args.length > 1 ? Path.of(args[1]) : Corpora.dataDir().resolve("tinyshakespeare.txt");
        long t0 = System.nanoTime();
        String text = Corpora.readText(file);
        long t1 = System.nanoTime();
        var tok = BpeTokenizer.train(text, BpeTokenizer.Options.of(vocab));
        long t2 = System.nanoTime();
        if (args.length > 2) {
            tok.save(Path.of(args[2]));
            System.out.printf("trained %d tokens in %.0f ms, saved to %s%n", tok.vocabSize(), (t2 - t1) / 1e6, args[2]);
            return;
        }
        int[] ids = tok.encode(text);
        long t3 = System.nanoTime();
        var fresh = BpeTokenizer.train(text, BpeTokenizer.Options.of(vocab)); // cold cache: a new tokenizer
        long t4 = System.nanoTime();
        fresh.encode(text);
        long t5 = System.nanoTime();
        int[] again = tok.encode(text); // warm cache, warm JIT
        long t6 = System.nanoTime();
        double mb = text.getBytes(StandardCharsets.UTF_8).length / 1e6;
        System.out.printf("read %.0f ms, train to %d: %.0f ms (second time %.0f ms)%n",
                (t1 - t0) / 1e6, tok.vocabSize(), (t2 - t1) / 1e6, (t4 - t3) / 1e6);
        System.out.printf("encode %.2f MB into %d tokens (%.2f bytes/token): first %.0f ms = %.1f MB/s, "
                        + "cold cache after warm-up %.1f MB/s, warm cache %.1f MB/s%n",
                mb, ids.length, mb * 1e6 / ids.length, (t3 - t2) / 1e6, mb / ((t3 - t2) / 1e9),
                mb / ((t5 - t4) / 1e9), mb / ((t6 - t5) / 1e9));
        if (!tok.decode(again).equals(text)) {
            throw new AssertionError("round trip failed");
        }
    }
}
