package dev.quill.data;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.config.BadInputException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes any Quill tokenizer in Hugging Face's form, so that {@code tokenizers} (and
 * {@code AutoTokenizer.from_pretrained(dir)}) encodes text to the same ids:
 * <ul>
 *   <li>{@link Gpt2Tokenizer}: {@code vocab.json} + {@code merges.txt} + {@code tokenizer.json};</li>
 *   <li>{@link BpeTokenizer}: the same three files. Its ids 0..255 are the byte values (written with
 *       the {@link ByteLevel} table) and merge {@code r} is id {@code 256 + r}. The pre-tokenizer is a
 *       {@code Split} on Quill's own pattern ({@link PreTokenizer}, which differs from GPT-2's) followed
 *       by a {@code ByteLevel} step without GPT-2's regex. {@link Tokenizer#load} reads that
 *       {@code tokenizer.json} back as a {@link Gpt2Tokenizer} that encodes the same;</li>
 *   <li>{@link CharTokenizer}: {@code tokenizer.json} only: a {@code WordLevel} model over single
 *       characters (a {@code Split} that isolates each code point) with a {@code Fuse} decoder. An
 *       unknown character is an error in both, or maps to {@value CharTokenizer#UNKNOWN_TOKEN}.</li>
 * </ul>
 * NFC normalisation becomes an {@code NFC} normaliser; special tokens become {@code added_tokens}
 * (which Hugging Face always recognises in text: Quill's {@code encode(text, true)}). A
 * {@code tokenizer_config.json} names the fast tokenizer class for {@code AutoTokenizer}.
 */
public final class HfTokenizerFiles {

    private HfTokenizerFiles() {
    }

    /**
     * Writes the files into {@code dir} (created if needed; each file atomically).
     *
     * @param t   the tokenizer
     * @param dir the output directory
     * @throws BadInputException when the tokenizer cannot be written in this form (a Quill BPE with two
     *                           merges that spell the same bytes)
     */
    public static void write(Tokenizer t, Path dir) {
        ObjectNode json;
        if (t instanceof Gpt2Tokenizer g) {
            var merges = new ArrayList<String[]>();
            for (int[] m : g.mergeIds()) {
                merges.add(new String[]{g.token(m[0]), g.token(m[1])});
            }
            writeVocabAndMerges(dir, g.vocab(), merges);
            json = HfTokenizerJson.byteLevelBpe(g);
        } else if (t instanceof BpeTokenizer b) {
            json = quillBpe(b, dir);
        } else {
            json = charWordLevel((CharTokenizer) t);
        }
        TokenizerJson.write(dir.resolve(Tokenizer.FILE_NAME), json);
        ObjectNode config = TokenizerJson.MAPPER.createObjectNode();
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        config.put("model_max_length", 1_000_000_000);
        TokenizerJson.write(dir.resolve("tokenizer_config.json"), config);
    }

    private static ObjectNode quillBpe(BpeTokenizer b, Path dir) {
        int[][] merges = b.merges();
        var vocab = new LinkedHashMap<String, Integer>();
        var byString = new HashMap<String, Integer>();
        for (int id = 0; id < 256 + merges.length; id++) {
            String s = ByteLevel.encode(b.tokenBytes(id));
            Integer other = byString.putIfAbsent(s, id);
            if (other != null) {
                throw new BadInputException("cannot write this BPE tokenizer in Hugging Face's form: tokens " + other
                        + " and " + id + " both spell \"" + s + "\", and vocab.json maps each string to one id");
            }
            vocab.put(s, id);
        }
        var pairs = new ArrayList<String[]>();
        for (int[] m : merges) {
            pairs.add(new String[]{ByteLevel.encode(b.tokenBytes(m[0])), ByteLevel.encode(b.tokenBytes(m[1]))});
        }
        var withSpecials = new LinkedHashMap<>(vocab);
        withSpecials.putAll(b.specialTokens());
        writeVocabAndMerges(dir, withSpecials, pairs);
        // the same tokenizer as a byte-level BPE read from files, with Quill's pre-split
        var same = new Gpt2Tokenizer(vocab, pairs, b.specialTokens(), b.normalizesNfc(), true, dir.toString(),
                r -> "merge " + r);
        return HfTokenizerJson.byteLevelBpe(same);
    }

    private static ObjectNode charWordLevel(CharTokenizer c) {
        int[] cps = c.codePoints();
        SpecialTokens specials = SpecialTokens.at(c.specialTokens(), cps.length);
        ObjectNode root = HfTokenizerJson.skeleton(specials, c.normalizesNfc());
        ObjectNode split = root.putObject("pre_tokenizer").put("type", "Split");
        split.putObject("pattern").put("Regex", "[\\s\\S]"); // one code point each
        split.put("behavior", "Isolated").put("invert", false);
        root.putObject("decoder").put("type", "Fuse");
        ObjectNode model = root.putObject("model").put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < cps.length; id++) {
            vocab.put(new String(Character.toChars(cps[id])), id);
        }
        if (c.unknown() == CharTokenizer.Unknown.MAP_TO_UNKNOWN) {
            vocab.put(CharTokenizer.UNKNOWN_TOKEN, c.specialTokenId(CharTokenizer.UNKNOWN_TOKEN));
        }
        // with ERROR the unknown token is absent from the model's vocabulary, so tokenizers refuses the text too
        model.put("unk_token", CharTokenizer.UNKNOWN_TOKEN);
        return root;
    }

    private static void writeVocabAndMerges(Path dir, Map<String, Integer> vocab, List<String[]> merges) {
        try {
            TokenizerJson.write(dir.resolve("vocab.json"), TokenizerJson.MAPPER.valueToTree(vocab));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("could not serialise the vocabulary", e);
        }
        var sb = new StringBuilder("#version: 0.2\n");
        for (String[] m : merges) {
            sb.append(m[0]).append(' ').append(m[1]).append('\n');
        }
        AtomicFiles.write(dir.resolve("merges.txt"), sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
