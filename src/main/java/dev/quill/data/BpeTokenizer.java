package dev.quill.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quill.config.BadInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte-level byte-pair encoding (Sennrich et al. 2016; the byte-level form of GPT-2, Radford et al.
 * 2019). Ids 0..255 are the 256 byte values, so any text encodes (as its UTF-8 bytes) and nothing is
 * ever unknown; id {@code 256 + r} is the merge of rank {@code r}, a pair of earlier ids; special
 * tokens come last.
 *
 * <p><b>Training</b> ({@link #train}): split the text into chunks ({@link PreTokenizer}), then repeatedly
 * merge the most frequent adjacent pair, ties going to the smallest (left id, right id), until the target
 * vocabulary size is reached. The counting is incremental; see {@link BpeTrainer}.
 *
 * <p><b>Encoding</b>: special tokens first (when allowed), then per chunk: start from the bytes and keep
 * merging the adjacent pair with the lowest rank (all its occurrences, left to right) until no pair has a
 * rank. Chunk encodings are cached, since natural text repeats its words.
 *
 * <p><b>Decoding</b> concatenates the tokens' bytes and reads them as UTF-8. The ids from
 * {@link #encode} of any well-formed string always decode back to it exactly. An arbitrary id sequence
 * (say a model's output cut after the first byte of a multi-byte character) may not be valid UTF-8:
 * {@link #decode} then shows U+FFFD for the broken bytes, for display; {@link #decodeBytes} gives the
 * raw bytes to a caller that wants to buffer until a character completes.
 */
public final class BpeTokenizer implements Tokenizer {

    private static final Logger LOG = LoggerFactory.getLogger(BpeTokenizer.class);

    /**
     * How to train a BPE tokenizer.
     *
     * @param vocabSize     target vocabulary size, bytes and special tokens included (at least 256 +
     *                      the number of special tokens)
     * @param normalizeNfc  NFC-normalise text before training and encoding
     * @param specialTokens special tokens, e.g. {@code <|endoftext|>}: never split, never merged
     */
    public record Options(int vocabSize, boolean normalizeNfc, List<String> specialTokens) {
        /**
         * @param vocabSize     at least 256 + the number of special tokens
         * @param normalizeNfc  either
         * @param specialTokens copied; may be empty
         * @throws BadInputException when the vocabulary cannot hold the bytes and the special tokens
         */
        public Options {
            specialTokens = List.copyOf(specialTokens);
            if (vocabSize < 256 + specialTokens.size()) {
                throw new BadInputException("BPE vocab_size " + vocabSize + " is too small: it needs at least 256 byte tokens + "
                        + specialTokens.size() + " special tokens; use " + (256 + specialTokens.size()) + " or more");
            }
        }

        /**
         * @param vocabSize the target vocabulary size, at least 256
         * @return options for {@code vocabSize} with no normalisation and no special tokens
         */
        public static Options of(int vocabSize) {
            return new Options(vocabSize, false, List.of());
        }
    }

    private final int[][] merges;                  // rank -> {left, right}
    private final byte[][] tokenBytes;             // id -> bytes, for ordinary ids
    private final MergeTable table;
    private final boolean nfc;
    private final SpecialTokens specials;
    private final ChunkCache cache = new ChunkCache();

    private BpeTokenizer(int[][] merges, boolean nfc, SpecialTokens specials) {
        this.merges = merges;
        this.nfc = nfc;
        this.specials = specials;
        this.tokenBytes = new byte[256 + merges.length][];
        for (int i = 0; i < 256; i++) {
            tokenBytes[i] = new byte[]{(byte) i};
        }
        int[] lefts = new int[merges.length];
        int[] rights = new int[merges.length];
        int[] into = new int[merges.length];
        for (int r = 0; r < merges.length; r++) {
            byte[] left = tokenBytes[merges[r][0]];
            byte[] right = tokenBytes[merges[r][1]];
            byte[] both = new byte[left.length + right.length];
            System.arraycopy(left, 0, both, 0, left.length);
            System.arraycopy(right, 0, both, left.length, right.length);
            tokenBytes[256 + r] = both;
            lefts[r] = merges[r][0];
            rights[r] = merges[r][1];
            into[r] = 256 + r;
        }
        this.table = new MergeTable(lefts, rights, into);
    }

    /**
     * Trains on {@code text}. Special-token strings in the text count as separators: they are left out
     * of the pair counts.
     *
     * @param text    the training corpus
     * @param options the vocabulary size, normalisation and special tokens
     * @return the tokenizer; its vocabulary is smaller than asked when the corpus runs out of pairs
     *         (logged as a warning)
     * @throws BadInputException if the text is empty or not well-formed Unicode
     */
    public static BpeTokenizer train(String text, Options options) {
        long start = System.nanoTime();
        String prepared = Text.prepare(text, options.normalizeNfc());
        if (prepared.isEmpty()) {
            throw new BadInputException("cannot train a tokenizer on empty text: give it a non-empty corpus");
        }
        int numMerges = options.vocabSize() - 256 - options.specialTokens().size();
        var specials = SpecialTokens.of(256 + numMerges, options.specialTokens());
        var chunkCounts = new HashMap<String, Long>();
        specials.split(prepared, true, new SpecialTokens.Visitor() {
            @Override
            public void text(int from, int to) {
                BpeTrainer.countChunks(prepared, from, to, chunkCounts);
            }

            @Override
            public void special(int id) {
                // a separator: nothing to count
            }
        });
        List<int[]> learned = BpeTrainer.train(chunkCounts, numMerges);
        if (learned.size() < numMerges) {
            LOG.warn("BPE: the corpus ran out of pairs after {} of {} merges; vocabulary is {} instead of {}",
                    learned.size(), numMerges, 256 + learned.size() + specials.size(), options.vocabSize());
        }
        var tokenizer = new BpeTokenizer(learned.toArray(int[][]::new), options.normalizeNfc(),
                SpecialTokens.of(256 + learned.size(), options.specialTokens()));
        LOG.info("BPE: {} merges from {} distinct chunks in {} ms", learned.size(), chunkCounts.size(),
                (System.nanoTime() - start) / 1_000_000);
        return tokenizer;
    }

    /** {@return the merges in rank order, each {@code {left, right}} (a copy)} */
    public int[][] merges() {
        int[][] copy = new int[merges.length][];
        for (int r = 0; r < merges.length; r++) {
            copy[r] = merges[r].clone();
        }
        return copy;
    }

    /**
     * @param id an ordinary (not special) token id
     * @return the bytes it stands for (a copy)
     * @throws BadInputException when {@code id} is not an ordinary token
     */
    public byte[] tokenBytes(int id) {
        if (id < 0 || id >= tokenBytes.length) {
            throw new BadInputException("token id " + id + " is not an ordinary token (0.." + (tokenBytes.length - 1) + ")");
        }
        return tokenBytes[id].clone();
    }

    @Override
    public String type() {
        return "bpe";
    }

    @Override
    public int vocabSize() {
        return tokenBytes.length + specials.size();
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
        return specials.encode(prepared, allowSpecial, prepared.length() / 3 + 8, (from, to, out) ->
                PreTokenizer.forEachChunk(prepared, from, to, chunk -> out.addAll(encodeChunk(chunk))));
    }

    /** The ids of one chunk, from the cache when seen before. The returned array must not be modified. */
    private int[] encodeChunk(String chunk) {
        return cache.get(chunk, c -> mergeBytes(c.getBytes(StandardCharsets.UTF_8)));
    }

    /** Applies merges in rank order (see {@link MergeTable#apply}). */
    private int[] mergeBytes(byte[] bytes) {
        int[] s = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            s[i] = bytes[i] & 0xFF;
        }
        return table.apply(s, s.length);
    }

    /**
     * The bytes of a token sequence (special tokens as the UTF-8 of their names). Not necessarily valid
     * UTF-8 when the sequence did not come from {@link #encode}.
     *
     * @param ids token ids in [0, vocabSize())
     * @return the concatenated bytes
     * @throws BadInputException for an id outside the vocabulary
     */
    @Override
    public byte[] decodeBytes(int[] ids) {
        var out = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            if (id >= 0 && id < tokenBytes.length) {
                out.writeBytes(tokenBytes[id]);
            } else if (specials.isSpecial(id)) {
                out.writeBytes(specials.name(id).getBytes(StandardCharsets.UTF_8));
            } else {
                throw new BadInputException("token id " + id + " is outside the vocabulary [0, " + vocabSize() + ")");
            }
        }
        return out.toByteArray();
    }

    /** Decodes; broken UTF-8 (from a sequence cut mid-character) shows as U+FFFD. */
    @Override
    public String decode(int[] ids) {
        return Text.decodeUtf8Lossy(decodeBytes(ids));
    }

    @Override
    public BpeTokenizer withSpecialTokens(List<String> names) {
        return new BpeTokenizer(merges, nfc, specials.plus(names));
    }

    @Override
    public void save(Path file) {
        var root = TokenizerJson.header(type(), nfc, specials);
        var list = root.putArray("merges");
        for (int[] m : merges) {
            list.addArray().add(m[0]).add(m[1]);
        }
        TokenizerJson.write(file, root);
    }

    static BpeTokenizer fromJson(JsonNode root, String source) {
        boolean nfc = TokenizerJson.bool(root, "normalize_nfc", source);
        JsonNode list = TokenizerJson.array(root, "merges", source);
        int[][] merges = new int[list.size()][];
        for (int r = 0; r < merges.length; r++) {
            JsonNode m = list.get(r);
            if (!m.isArray() || m.size() != 2 || !m.get(0).isInt() || !m.get(1).isInt()) {
                throw TokenizerJson.bad(source, "merges[" + r + "] must be a pair of integers");
            }
            int a = m.get(0).intValue();
            int b = m.get(1).intValue();
            if (a < 0 || b < 0 || a >= 256 + r || b >= 256 + r) {
                throw TokenizerJson.bad(source, "merges[" + r + "] = [" + a + ", " + b
                        + "] refers to a token that does not exist yet (ids must be < " + (256 + r) + ")");
            }
            merges[r] = new int[]{a, b};
        }
        var specials = SpecialTokens.of(256 + merges.length, TokenizerJson.specialNames(root, source));
        return new BpeTokenizer(merges, nfc, specials);
    }

    @Override
    public String toString() {
        return "BpeTokenizer[vocab=" + vocabSize() + ", merges=" + merges.length + ", specials="
                + specials.ids().keySet() + ", nfc=" + nfc + "]";
    }

    /** Used by tests: the chunk cache's size. */
    int cacheSize() {
        return cache.size();
    }

    /** A tokenizer from explicit merges, for tests and hand-made examples. */
    static BpeTokenizer fromMerges(List<int[]> merges, List<String> specialTokens) {
        var array = new ArrayList<int[]>(merges).toArray(int[][]::new);
        return new BpeTokenizer(array, false, SpecialTokens.of(256 + array.length, specialTokens));
    }
}
