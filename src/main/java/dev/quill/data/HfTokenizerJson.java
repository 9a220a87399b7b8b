package dev.quill.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face's {@code tokenizer.json}, the one-file form the {@code tokenizers} library reads and
 * writes: a pipeline of {@code normalizer}, {@code pre_tokenizer}, {@code model} and {@code decoder},
 * plus {@code added_tokens} (matched before everything else, with fixed ids).
 *
 * <p>Read: byte-level BPE (a {@code "BPE"} model with a {@code ByteLevel} pre-tokenizer, GPT-2's
 * pipeline, or the pre-tokenizer that Quill writes for its own BPE), optionally with an NFC normaliser; merges as {@code "a b"} strings or {@code ["a", "b"]}
 * pairs. Anything else is refused in one line rather than encoded differently.
 *
 * <p>Written: the same for a {@link Gpt2Tokenizer}; for Quill's own tokenizers see
 * {@link HfTokenizerFiles}, which builds on {@link #skeleton} and {@link #addedTokens}.
 */
final class HfTokenizerJson {

    private HfTokenizerJson() {
    }

    /** {@return whether a parsed JSON file has the structure of a Hugging Face tokenizer.json} */
    static boolean isHf(JsonNode root) {
        return root != null && root.path("model").isObject() && !root.has("type");
    }

    static Gpt2Tokenizer read(JsonNode root, String source) {
        JsonNode model = root.path("model");
        String type = model.path("type").asText("");
        if (!type.equals("BPE")) {
            throw Gpt2Tokenizer.bad(source, "model type \"" + type + "\" is not supported (Quill reads byte-level "
                    + "\"BPE\", as GPT-2's)");
        }
        JsonNode pre = root.path("pre_tokenizer");
        boolean quillSplit = pre.equals(quillPreTokenizer());
        boolean gpt2Split = pre.path("type").asText("").equals("ByteLevel") && pre.path("use_regex").asBoolean(true)
                && !pre.path("add_prefix_space").asBoolean(false);
        if (!quillSplit && !gpt2Split) {
            throw Gpt2Tokenizer.bad(source, "pre_tokenizer " + pre + " is not supported (Quill reads GPT-2's: "
                    + "ByteLevel with use_regex true and add_prefix_space false, or the one Quill writes)");
        }
        JsonNode norm = root.path("normalizer");
        boolean nfc = norm.path("type").asText("").equals("NFC");
        if (!norm.isMissingNode() && !norm.isNull() && !nfc) {
            throw Gpt2Tokenizer.bad(source, "normalizer " + norm + " is not supported (none or NFC)");
        }
        for (String field : new String[]{"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (!model.path(field).asText("").isEmpty()) {
                throw Gpt2Tokenizer.bad(source, "model." + field + " must be empty for byte-level BPE");
            }
        }
        if (model.path("ignore_merges").asBoolean(false) || !model.path("dropout").isNull() && !model.path("dropout").isMissingNode()) {
            throw Gpt2Tokenizer.bad(source, "model.ignore_merges and model.dropout are not supported");
        }
        Map<String, Integer> vocab = Gpt2Files.vocab(model.get("vocab"), source + " (model.vocab)");
        JsonNode list = model.path("merges");
        if (!list.isArray()) {
            throw Gpt2Tokenizer.bad(source, "model.merges must be an array");
        }
        var merges = new ArrayList<String[]>(list.size());
        for (int r = 0; r < list.size(); r++) {
            JsonNode m = list.get(r);
            String[] pair = null;
            if (m.isTextual()) {
                String[] parts = m.asText().split(" ", -1);
                pair = parts.length == 2 ? parts : null;
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                pair = new String[]{m.get(0).asText(), m.get(1).asText()};
            }
            if (pair == null || pair[0].isEmpty() || pair[1].isEmpty()) {
                throw Gpt2Tokenizer.bad(source, "model.merges[" + r + "] must be \"a b\" or [\"a\", \"b\"], not " + m);
            }
            merges.add(pair);
        }
        var specials = new LinkedHashMap<String, Integer>();
        JsonNode added = root.path("added_tokens");
        for (int i = 0; i < added.size(); i++) {
            JsonNode t = added.get(i);
            if (!t.path("id").isInt() || !t.path("content").isTextual()) {
                throw Gpt2Tokenizer.bad(source, "added_tokens[" + i + "] needs an integer \"id\" and a string \"content\"");
            }
            specials.put(t.get("content").asText(), t.get("id").intValue());
        }
        return new Gpt2Tokenizer(vocab, merges, specials, nfc, quillSplit, source, r -> "model.merges[" + r + "]");
    }

    /** GPT-2's pipeline around a byte-level BPE model. */
    static ObjectNode byteLevelBpe(Gpt2Tokenizer t) {
        var merges = new ArrayList<String[]>();
        for (int[] m : t.mergeIds()) {
            merges.add(new String[]{t.token(m[0]), t.token(m[1])});
        }
        ObjectNode root = skeleton(t.specials(), t.normalizesNfc());
        root.set("pre_tokenizer", t.quillSplit() ? quillPreTokenizer() : byteLevel(true));
        root.set("decoder", byteLevel(true));
        root.set("model", bpeModel(t.vocab(), merges));
        return root;
    }

    /** The top-level fields in the order {@code tokenizers} writes them; the caller sets the rest. */
    static ObjectNode skeleton(SpecialTokens specials, boolean nfc) {
        ObjectNode root = TokenizerJson.MAPPER.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.set("added_tokens", addedTokens(specials));
        if (nfc) {
            root.putObject("normalizer").put("type", "NFC");
        } else {
            root.putNull("normalizer");
        }
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");
        root.putNull("decoder");
        root.putNull("model");
        return root;
    }

    /** Special tokens as {@code added_tokens}: matched whole, before normalisation. */
    static JsonNode addedTokens(SpecialTokens specials) {
        var list = TokenizerJson.MAPPER.createArrayNode();
        for (var e : specials.ids().entrySet()) {
            list.addObject().put("id", e.getValue()).put("content", e.getKey()).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        return list;
    }

    /**
     * Quill's {@link PreTokenizer} for tokenizers: a {@code Split} on its pattern (every character falls
     * in some match, so "Isolated" keeps them all), then the byte-to-character step without GPT-2's regex.
     */
    static ObjectNode quillPreTokenizer() {
        ObjectNode seq = TokenizerJson.MAPPER.createObjectNode().put("type", "Sequence");
        var steps = seq.putArray("pretokenizers");
        ObjectNode split = steps.addObject().put("type", "Split");
        split.putObject("pattern").put("Regex", PreTokenizer.CHUNK.pattern());
        split.put("behavior", "Isolated").put("invert", false);
        steps.add(byteLevel(false));
        return seq;
    }

    static ObjectNode byteLevel(boolean useRegex) {
        ObjectNode node = TokenizerJson.MAPPER.createObjectNode();
        node.put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", useRegex);
        return node;
    }

    /** A BPE model; merges are written as {@code "a b"} strings, which every version of tokenizers reads. */
    static ObjectNode bpeModel(Map<String, Integer> vocab, List<String[]> merges) {
        ObjectNode model = TokenizerJson.MAPPER.createObjectNode();
        model.put("type", "BPE").putNull("dropout").putNull("unk_token").putNull("continuing_subword_prefix")
                .putNull("end_of_word_suffix").put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", false);
        ObjectNode v = model.putObject("vocab");
        new LinkedHashMap<>(vocab).forEach(v::put);
        var list = model.putArray("merges");
        for (String[] m : merges) {
            list.add(m[0] + " " + m[1]);
        }
        return model;
    }
}
