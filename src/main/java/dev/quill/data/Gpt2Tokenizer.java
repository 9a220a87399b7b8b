package dev.quill.data;

import dev.quill.config.BadInputException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * GPT-2's tokenizer, read from its files: byte-level byte-pair encoding with a vocabulary and merge
 * list given by the file, not learned by Quill (Radford et al. 2019).
 *
 * <p><b>Encoding</b>: special tokens first (when allowed), then {@link Gpt2PreTokenizer} cuts the text
 * into chunks; each chunk starts as one token per UTF-8 byte (the vocabulary entry of the byte's
 * {@link ByteLevel} character) and the merges are applied by rank ({@link MergeTable}): line {@code r}
 * of {@code merges.txt} is rank {@code r}, and the merged token's id is whatever the vocabulary says.
 * Chunk encodings are cached.
 *
 * <p><b>Decoding</b> concatenates the bytes of the tokens (an entry with a character outside the byte
 * table stands for its own UTF-8) and reads them as UTF-8, one U+FFFD per malformed sequence; see
 * {@link #decodeBytes} for the raw bytes.
 *
 * <p><b>Special tokens</b>: {@code <|endoftext|>} when the vocabulary has it (id 50256 in GPT-2's), or
 * the {@code added_tokens} of a Hugging Face {@code tokenizer.json}; {@link #withSpecialTokens} appends
 * new ones after every id in use. {@link #vocabSize()} is the largest id + 1.
 *
 * <p>The same class reads back a {@link BpeTokenizer} that {@link HfTokenizerFiles} exported: then the
 * chunks come from Quill's own {@link PreTokenizer}, as the file's {@code Split} step says.
 *
 * <p><b>Files</b> ({@link #load}): a Hugging Face {@code tokenizer.json}, or {@code vocab.json} +
 * {@code merges.txt}, or OpenAI's {@code encoder.json} + {@code vocab.bpe}. {@link #save} writes a
 * Hugging Face {@code tokenizer.json}, which {@link Tokenizer#load} reads back.
 */
public final class Gpt2Tokenizer implements Tokenizer {

    /** GPT-2's end-of-text token. */
    public static final String END_OF_TEXT = "<|endoftext|>";

    private final String[] tokens;      // id -> vocabulary entry; null where the file has no such id
    private final byte[][] bytes;       // id -> the bytes the entry stands for; null likewise
    private final int[] byteIds;        // byte value -> id of its one-byte token
    private final int[][] merges;       // rank -> {left id, right id, merged id}
    private final MergeTable table;
    private final boolean nfc;
    private final boolean quillSplit;   // Quill's PreTokenizer instead of GPT-2's (a Quill BPE exported to HF)
    private final SpecialTokens specials;
    private final ChunkCache cache = new ChunkCache();

    /**
     * Builds the tokenizer from a file's contents, checking them.
     *
     * @param vocab    entry -> id
     * @param merges   in rank order, each {left entry, right entry}
     * @param specials special token -> id (may lie inside or after the vocabulary)
     * @param nfc      NFC-normalise text before encoding
     * @param source   the file, for messages
     * @param where    rank -> where that merge is in the file ("line 12"), for messages
     * @throws BadInputException naming the file and the first problem found
     */
    Gpt2Tokenizer(Map<String, Integer> vocab, List<String[]> merges, Map<String, Integer> specials, boolean nfc,
                  String source, IntFunction<String> where) {
        this(vocab, merges, specials, nfc, false, source, where);
    }

    /** As above; {@code quillSplit} pre-splits with Quill's {@link PreTokenizer} instead of GPT-2's pattern. */
    Gpt2Tokenizer(Map<String, Integer> vocab, List<String[]> merges, Map<String, Integer> specials, boolean nfc,
                  boolean quillSplit, String source, IntFunction<String> where) {
        int size = 0;
        for (var e : vocab.entrySet()) {
            if (e.getValue() == null || e.getValue() < 0) {
                throw bad(source, "the id of \"" + e.getKey() + "\" must be a non-negative integer");
            }
            size = Math.max(size, e.getValue() + 1);
        }
        this.tokens = new String[size];
        this.bytes = new byte[size][];
        for (var e : vocab.entrySet()) {
            int id = e.getValue();
            if (tokens[id] != null) {
                throw bad(source, "entries \"" + tokens[id] + "\" and \"" + e.getKey() + "\" share the id " + id);
            }
            tokens[id] = e.getKey();
            byte[] b = ByteLevel.decode(e.getKey());
            bytes[id] = b != null ? b : e.getKey().getBytes(StandardCharsets.UTF_8);
        }
        this.byteIds = new int[256];
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.valueOf(ByteLevel.toChar(b)));
            if (id == null) {
                throw bad(source, String.format("the vocabulary has no entry for byte 0x%02X (\"%s\"); a byte-level "
                        + "vocabulary needs all 256", b, ByteLevel.toChar(b)));
            }
            byteIds[b] = id;
        }
        this.merges = new int[merges.size()][];
        int[] lefts = new int[merges.size()];
        int[] rights = new int[merges.size()];
        int[] into = new int[merges.size()];
        for (int r = 0; r < merges.size(); r++) {
            String[] m = merges.get(r);
            Integer a = vocab.get(m[0]);
            Integer b = vocab.get(m[1]);
            Integer ab = vocab.get(m[0] + m[1]);
            if (a == null || b == null || ab == null) {
                String missing = a == null ? m[0] : b == null ? m[1] : m[0] + m[1];
                throw bad(source, "merge \"" + m[0] + " " + m[1] + "\" (" + where.apply(r) + ") needs \""
                        + missing + "\", which is not in the vocabulary");
            }
            this.merges[r] = new int[]{a, b, ab};
            lefts[r] = a;
            rights[r] = b;
            into[r] = ab;
        }
        this.table = new MergeTable(lefts, rights, into);
        this.nfc = nfc;
        this.quillSplit = quillSplit;
        this.specials = SpecialTokens.at(specials, size);
    }

    private Gpt2Tokenizer(Gpt2Tokenizer base, SpecialTokens specials) {
        this.tokens = base.tokens;
        this.bytes = base.bytes;
        this.byteIds = base.byteIds;
        this.merges = base.merges;
        this.table = base.table;
        this.nfc = base.nfc;
        this.quillSplit = base.quillSplit;
        this.specials = specials;
    }

    static BadInputException bad(String source, String problem) {
        return new BadInputException(source + ": " + problem);
    }

    /**
     * Reads a GPT-2-style tokenizer.
     *
     * @param dirOrFile a directory holding {@code tokenizer.json} (Hugging Face), {@code vocab.json} +
     *                  {@code merges.txt}, or {@code encoder.json} + {@code vocab.bpe}, tried in that
     *                  order; or one of those files ({@code vocab.json} and {@code encoder.json} find
     *                  their partner beside them)
     * @return the tokenizer
     * @throws BadInputException in one line naming the file and what is wrong with it
     */
    public static Gpt2Tokenizer load(Path dirOrFile) {
        return Gpt2Files.load(dirOrFile);
    }

    /**
     * @param dir a directory
     * @return whether it holds one of the file forms {@link #load} reads (by name; contents unchecked)
     */
    public static boolean hasFiles(Path dir) {
        return Gpt2Files.form(dir) != null;
    }

    @Override
    public String type() {
        return "gpt2";
    }

    @Override
    public int vocabSize() {
        return specials.next();
    }

    @Override
    public boolean normalizesNfc() {
        return nfc;
    }

    @Override
    public Map<String, Integer> specialTokens() {
        return specials.ids();
    }

    @Override
    public int specialTokenId(String name) {
        return specials.id(name);
    }

    @Override
    public int[] encode(String text, boolean allowSpecial) {
        String prepared = Text.prepare(text, nfc);
        return specials.encode(prepared, allowSpecial, prepared.length() / 3 + 8, (from, to, out) -> {
            Consumer<String> sink = chunk -> out.addAll(cache.get(chunk, c -> mergeChunk(c)));
            if (quillSplit) {
                PreTokenizer.forEachChunk(prepared, from, to, sink);
            } else {
                Gpt2PreTokenizer.forEachChunk(prepared, from, to, sink);
            }
        });
    }

    private int[] mergeChunk(String chunk) {
        byte[] utf8 = chunk.getBytes(StandardCharsets.UTF_8);
        int[] s = new int[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            s[i] = byteIds[utf8[i] & 0xFF];
        }
        return table.apply(s, s.length);
    }

    /** Used by tests: whether both merge paths give the same ids for these bytes. */
    boolean mergeBothWays(byte[] utf8) {
        int[] s = new int[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            s[i] = byteIds[utf8[i] & 0xFF];
        }
        return Arrays.equals(table.applyByScan(s.clone(), s.length), table.applyByHeap(s.clone(), s.length));
    }

    /**
     * The bytes of a token sequence (special tokens as the UTF-8 of their names). Not necessarily valid
     * UTF-8 when the sequence did not come from {@link #encode}.
     *
     * @param ids token ids in [0, vocabSize())
     * @return the concatenated bytes
     * @throws BadInputException for an id that names no token
     */
    @Override
    public byte[] decodeBytes(int[] ids) {
        var out = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            if (id >= 0 && id < bytes.length && bytes[id] != null) {
                out.writeBytes(bytes[id]);
            } else if (specials.isSpecial(id)) {
                out.writeBytes(specials.name(id).getBytes(StandardCharsets.UTF_8));
            } else {
                throw new BadInputException("token id " + id + (id >= 0 && id < vocabSize()
                        ? " has no entry in the vocabulary" : " is outside the vocabulary [0, " + vocabSize() + ")"));
            }
        }
        return out.toByteArray();
    }

    /** Decodes; malformed UTF-8 (say a sequence cut mid-character) shows as one U+FFFD per bad sequence. */
    @Override
    public String decode(int[] ids) {
        return Text.decodeUtf8Lossy(decodeBytes(ids));
    }

    @Override
    public Gpt2Tokenizer withSpecialTokens(List<String> names) {
        return new Gpt2Tokenizer(this, specials.plus(names));
    }

    /** Writes a Hugging Face {@code tokenizer.json} (atomically), which {@link Tokenizer#load} reads back. */
    @Override
    public void save(Path file) {
        TokenizerJson.write(file, HfTokenizerJson.byteLevelBpe(this));
    }

    /** {@return the vocabulary entry of an id, or null where the file has none} */
    String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    /** {@return one more than the largest id of the vocabulary file (special tokens it lacks come after)} */
    int entries() {
        return tokens.length;
    }

    /** {@return the merges in rank order, each {left id, right id, merged id} (not a copy)} */
    int[][] mergeIds() {
        return merges;
    }

    /** {@return whether chunks come from Quill's {@link PreTokenizer} rather than GPT-2's pattern} */
    boolean quillSplit() {
        return quillSplit;
    }

    SpecialTokens specials() {
        return specials;
    }

    /** Used by tests: the chunk cache's size. */
    int cacheSize() {
        return cache.size();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Gpt2Tokenizer t && nfc == t.nfc && quillSplit == t.quillSplit && Arrays.equals(tokens, t.tokens)
                && Arrays.deepEquals(merges, t.merges) && specials.ids().equals(t.specials.ids())
                && vocabSize() == t.vocabSize();
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(tokens) * 31 + merges.length;
    }

    @Override
    public String toString() {
        return "Gpt2Tokenizer[vocab=" + vocabSize() + ", merges=" + merges.length + ", specials="
                + specials.ids().keySet() + ", nfc=" + nfc + (quillSplit ? ", split=quill" : "") + "]";
    }

    /** The vocabulary as entry -> id, in id order. */
    Map<String, Integer> vocab() {
        var map = new LinkedHashMap<String, Integer>();
        for (int id = 0; id < tokens.length; id++) {
            if (tokens[id] != null) {
                map.put(tokens[id], id);
            }
        }
        return map;
    }
}
