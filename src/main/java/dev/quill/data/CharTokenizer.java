package dev.quill.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quill.config.BadInputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One token per Unicode code point: the vocabulary is the sorted set of distinct code points in the
 * training text, so id order is code point order. On tiny Shakespeare that is 65 symbols with
 * {@code '\n'} = 0, {@code ' '} = 1, {@code 'A'} = 13 and {@code 'a'} = 39, the same ids as nanoGPT's
 * character preparation (which sorts Python characters, i.e. code points).
 *
 * <p>A character outside the vocabulary is an error naming it and its position ({@link Unknown#ERROR},
 * the default) or becomes the special token {@value #UNKNOWN_TOKEN} ({@link Unknown#MAP_TO_UNKNOWN}),
 * which is then the first special token, right after the characters.
 */
public final class CharTokenizer implements Tokenizer {

    /** The special token that stands for every unknown character under {@link Unknown#MAP_TO_UNKNOWN}. */
    public static final String UNKNOWN_TOKEN = "<|unk|>";

    /** What encoding does with a character that is not in the vocabulary. */
    public enum Unknown {
        /** Throw a {@link BadInputException} naming the character and where it is. */
        ERROR,
        /** Emit the id of {@value CharTokenizer#UNKNOWN_TOKEN}. */
        MAP_TO_UNKNOWN
    }

    /**
     * How to train a character tokenizer.
     *
     * @param normalizeNfc  NFC-normalise text before training and encoding
     * @param unknown       what to do with characters outside the vocabulary
     * @param specialTokens special tokens to reserve after the characters (after {@value #UNKNOWN_TOKEN})
     */
    public record Options(boolean normalizeNfc, Unknown unknown, List<String> specialTokens) {
        /** The defaults: no normalisation, unknown characters are an error, no special tokens. */
        public static final Options DEFAULT = new Options(false, Unknown.ERROR, List.of());

        /**
         * @param normalizeNfc  either
         * @param unknown       not null
         * @param specialTokens copied; may be empty
         */
        public Options {
            Objects.requireNonNull(unknown, "unknown");
            specialTokens = List.copyOf(specialTokens);
        }
    }

    private final int[] codePoints;      // id -> code point, strictly increasing
    private final boolean nfc;
    private final Unknown unknown;
    private final SpecialTokens specials;

    private CharTokenizer(int[] codePoints, boolean nfc, Unknown unknown, SpecialTokens specials) {
        this.codePoints = codePoints;
        this.nfc = nfc;
        this.unknown = unknown;
        this.specials = specials;
        if (unknown == Unknown.MAP_TO_UNKNOWN && !specials.ids().containsKey(UNKNOWN_TOKEN)) {
            throw new IllegalArgumentException("MAP_TO_UNKNOWN needs the special token " + UNKNOWN_TOKEN);
        }
    }

    /**
     * Trains with {@link Options#DEFAULT}.
     *
     * @param text the training corpus
     * @return a tokenizer with one id per distinct code point, in code point order
     * @throws BadInputException if the text is empty or not well-formed Unicode
     */
    public static CharTokenizer train(String text) {
        return train(text, Options.DEFAULT);
    }

    /**
     * Builds the vocabulary from the distinct code points of {@code text}.
     *
     * @param text    the training corpus
     * @param options normalisation, the unknown-character policy and special tokens
     * @return a tokenizer with one id per distinct code point, in code point order, then the special tokens
     * @throws BadInputException if the text is empty or not well-formed Unicode
     */
    public static CharTokenizer train(String text, Options options) {
        String prepared = Text.prepare(text, options.normalizeNfc());
        if (prepared.isEmpty()) {
            throw new BadInputException("cannot train a tokenizer on empty text: give it a non-empty corpus");
        }
        int[] distinct = prepared.codePoints().distinct().sorted().toArray();
        var names = new ArrayList<String>();
        if (options.unknown() == Unknown.MAP_TO_UNKNOWN) {
            names.add(UNKNOWN_TOKEN);
        }
        names.addAll(options.specialTokens());
        return new CharTokenizer(distinct, options.normalizeNfc(), options.unknown(),
                SpecialTokens.of(distinct.length, names));
    }

    /** {@return the vocabulary: the code point of each ordinary id, increasing (a copy)} */
    public int[] codePoints() {
        return codePoints.clone();
    }

    /** {@return the policy for characters outside the vocabulary} */
    public Unknown unknown() {
        return unknown;
    }

    @Override
    public String type() {
        return "char";
    }

    @Override
    public int vocabSize() {
        return codePoints.length + specials.size();
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
        return specials.encode(prepared, allowSpecial, prepared.length(), (from, to, out) -> {
            for (int i = from; i < to; ) {
                int cp = prepared.codePointAt(i);
                out.add(idOf(cp, prepared, i));
                i += Character.charCount(cp);
            }
        });
    }

    private int idOf(int codePoint, String text, int index) {
        int id = Arrays.binarySearch(codePoints, codePoint);
        if (id >= 0) {
            return id;
        }
        if (unknown == Unknown.MAP_TO_UNKNOWN) {
            return specials.id(UNKNOWN_TOKEN);
        }
        throw new BadInputException("character " + Text.describe(codePoint) + " at " + Text.position(text, index)
                + " is not in the tokenizer's vocabulary of " + codePoints.length
                + " characters; remove it, or retrain on text that has it (a Java program can instead build the tokenizer with"
                + " CharTokenizer.Unknown.MAP_TO_UNKNOWN, which maps such characters to " + UNKNOWN_TOKEN + ")");
    }

    @Override
    public String decode(int[] ids) {
        var sb = new StringBuilder(ids.length);
        for (int id : ids) {
            if (id >= 0 && id < codePoints.length) {
                sb.appendCodePoint(codePoints[id]);
            } else if (specials.isSpecial(id)) {
                sb.append(specials.name(id));
            } else {
                throw new BadInputException("token id " + id + " is outside the vocabulary [0, " + vocabSize() + ")");
            }
        }
        return sb.toString();
    }

    @Override
    public CharTokenizer withSpecialTokens(List<String> names) {
        return new CharTokenizer(codePoints, nfc, unknown, specials.plus(names));
    }

    @Override
    public void save(Path file) {
        var root = TokenizerJson.header(type(), nfc, specials);
        root.put("unknown", unknown.name().toLowerCase(java.util.Locale.ROOT));
        var vocab = root.putArray("vocab");
        for (int cp : codePoints) {
            vocab.add(new String(Character.toChars(cp)));
        }
        TokenizerJson.write(file, root);
    }

    static CharTokenizer fromJson(JsonNode root, String source) {
        boolean nfc = TokenizerJson.bool(root, "normalize_nfc", source);
        String unknownName = TokenizerJson.text(root, "unknown", source);
        Unknown unknown;
        try {
            unknown = Unknown.valueOf(unknownName.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw TokenizerJson.bad(source, "unknown must be \"error\" or \"map_to_unknown\", not \"" + unknownName + "\"");
        }
        JsonNode vocab = TokenizerJson.array(root, "vocab", source);
        int[] cps = new int[vocab.size()];
        for (int i = 0; i < cps.length; i++) {
            JsonNode node = vocab.get(i);
            String s = node.isTextual() ? node.asText() : "";
            if (s.isEmpty() || s.codePointCount(0, s.length()) != 1) {
                throw TokenizerJson.bad(source, "vocab[" + i + "] must be a string of exactly one character");
            }
            cps[i] = s.codePointAt(0);
            if (i > 0 && cps[i] <= cps[i - 1]) {
                throw TokenizerJson.bad(source, "vocab must be strictly increasing in code point order (at " + i + ")");
            }
        }
        if (cps.length == 0) {
            throw TokenizerJson.bad(source, "vocab is empty");
        }
        var specials = SpecialTokens.of(cps.length, TokenizerJson.specialNames(root, source));
        if (unknown == Unknown.MAP_TO_UNKNOWN && !specials.ids().containsKey(UNKNOWN_TOKEN)) {
            throw TokenizerJson.bad(source, "unknown is map_to_unknown but " + UNKNOWN_TOKEN + " is not a special token");
        }
        return new CharTokenizer(cps, nfc, unknown, specials);
    }

    /**
     * Reads the Hugging Face {@code tokenizer.json} that {@link HfTokenizerFiles} writes for a character
     * tokenizer: a {@code WordLevel} model over single characters, pre-split into one piece per character,
     * special tokens as {@code added_tokens} after the characters. Another WordLevel file is refused.
     */
    static CharTokenizer fromHfWordLevel(JsonNode root, String source) {
        JsonNode split = root.path("pre_tokenizer");
        if (!"Split".equals(split.path("type").asText()) || !"[\\s\\S]".equals(split.path("pattern").path("Regex").asText())) {
            throw TokenizerJson.bad(source, "a WordLevel tokenizer is read only in the form Quill exports (one piece per character)");
        }
        JsonNode norm = root.path("normalizer");
        boolean nfc = "NFC".equals(norm.path("type").asText());
        if (!norm.isNull() && !norm.isMissingNode() && !nfc) {
            throw TokenizerJson.bad(source, "normalizer " + norm + " is not supported (none or NFC)");
        }
        var specialIds = new java.util.TreeMap<Integer, String>();
        for (JsonNode t : root.path("added_tokens")) {
            specialIds.put(t.path("id").asInt(-1), t.path("content").asText());
        }
        JsonNode vocab = root.path("model").path("vocab");
        int n = vocab.size() - (int) specialIds.values().stream().filter(vocab::has).count();
        if (n < 1) {
            throw TokenizerJson.bad(source, "model.vocab has no characters");
        }
        int[] cps = new int[n];
        boolean[] seen = new boolean[n];
        for (var it = vocab.fields(); it.hasNext(); ) {
            var e = it.next();
            if (specialIds.containsValue(e.getKey())) {
                continue;
            }
            int id = e.getValue().asInt(-1);
            String s = e.getKey();
            if (id < 0 || id >= n || seen[id] || s.isEmpty() || s.codePointCount(0, s.length()) != 1) {
                throw TokenizerJson.bad(source, "model.vocab entry \"" + s + "\": " + id + " must be a new id in [0, " + n
                        + ") for exactly one character");
            }
            seen[id] = true;
            cps[id] = s.codePointAt(0);
        }
        for (int i = 1; i < n; i++) {
            if (cps[i] <= cps[i - 1]) {
                throw TokenizerJson.bad(source, "model.vocab must number characters in code point order (at id " + i + ")");
            }
        }
        var names = new java.util.ArrayList<String>();
        for (var e : specialIds.entrySet()) {
            if (e.getKey() != n + names.size()) {
                throw TokenizerJson.bad(source, "special token " + e.getValue() + " has id " + e.getKey() + "; expected "
                        + (n + names.size()) + " (special tokens follow the characters)");
            }
            names.add(e.getValue());
        }
        Unknown unknown = vocab.has(UNKNOWN_TOKEN) ? Unknown.MAP_TO_UNKNOWN : Unknown.ERROR;
        return new CharTokenizer(cps, nfc, unknown, SpecialTokens.of(n, names));
    }

    @Override
    public String toString() {
        return "CharTokenizer[vocab=" + vocabSize() + ", specials=" + specials.ids().keySet() + ", nfc=" + nfc + "]";
    }
}
