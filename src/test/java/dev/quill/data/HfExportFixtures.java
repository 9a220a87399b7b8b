package dev.quill.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokenizers whose Hugging Face export is checked against {@code tokenizers}: small ones trained on
 * the committed Shakespeare excerpt, so they are the same on every machine. {@code main} writes their
 * files to {@code src/test/resources/hf-export/NAME/}; then
 * {@code tools/reference/hf_tokenizer_export_check.py} adds the ids that tokenizers gives
 * ({@code ids.json}), and {@link HfTokenizerFilesTest} holds Quill to both.
 */
public final class HfExportFixtures {

    static final Path DIR = Path.of("src/test/resources/hf-export");

    private HfExportFixtures() {
    }

    static Map<String, Tokenizer> tokenizers() {
        String excerpt;
        try {
            excerpt = Files.readString(Gpt2Fixtures.DIR.resolve("shakespeare-excerpt.txt"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String accented = excerpt + "\ncafé naïve Ångström résumé déjà vu, cafe\u0301 re\u0301sume\u0301\n";
        var out = new LinkedHashMap<String, Tokenizer>();
        out.put("char", CharTokenizer.train(excerpt));
        out.put("char-unk", CharTokenizer.train(accented, new CharTokenizer.Options(true, CharTokenizer.Unknown.MAP_TO_UNKNOWN,
                List.of("<|endoftext|>"))));
        out.put("bpe", BpeTokenizer.train(excerpt, new BpeTokenizer.Options(400, false, List.of("<|endoftext|>"))));
        out.put("bpe-nfc", BpeTokenizer.train(accented, new BpeTokenizer.Options(420, true, List.of("<|endoftext|>", "<|user|>"))));
        out.put("gpt2-small", Gpt2Tokenizer.load(Gpt2Fixtures.DIR.resolve("hf-small")).withSpecialTokens(List.of("<|user|>")));
        return out;
    }

    /** Rewrites the committed export fixtures (not their ids.json). */
    public static void main(String[] args) {
        tokenizers().forEach((name, t) -> HfTokenizerFiles.write(t, DIR.resolve(name)));
    }
}
