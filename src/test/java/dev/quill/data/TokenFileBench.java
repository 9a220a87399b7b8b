package dev.quill.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tokenizes a large text file into a token file by streaming, to show that the heap does not need to
 * hold the text. Not a test; run by hand (see docs/02-data.md):
 * {@code java -Xmx256m -cp ... dev.quill.data.TokenFileBench big.txt out.bin [vocabSize]}.
 * The BPE tokenizer is trained on tiny Shakespeare first.
 */
public final class TokenFileBench {

    private TokenFileBench() {
    }

    public static void main(String[] args) throws IOException {
        Path text = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int vocab = args.length > 2 ? Integer.parseInt(args[2]) : 1024;
        var tok = BpeTokenizer.train(Corpora.tinyShakespeare(), BpeTokenizer.Options.of(vocab));
        long start = System.nanoTime();
        var file = TokenFile.encode(text, tok, false, out);
        double seconds = (System.nanoTime() - start) / 1e9;
        double mb = Files.size(text) / 1e6;
        Runtime rt = Runtime.getRuntime();
        System.out.printf("%.1f MB -> %,d tokens in %.1f s = %.1f MB/s; max heap %d MB, used now %d MB%n",
                mb, file.size(), seconds, mb / seconds, rt.maxMemory() >> 20, (rt.totalMemory() - rt.freeMemory()) >> 20);
    }
}
