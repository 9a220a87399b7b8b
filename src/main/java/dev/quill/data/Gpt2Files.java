package dev.quill.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quill.config.BadInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The three file forms of a GPT-2 tokenizer, read only (nothing is ever written beside them):
 * <ul>
 *   <li>{@code tokenizer.json}: Hugging Face's one-file form ({@link HfTokenizerJson});</li>
 *   <li>{@code vocab.json} + {@code merges.txt}: Hugging Face's two-file form;</li>
 *   <li>{@code encoder.json} + {@code vocab.bpe}: OpenAI's original files, the same contents under
 *       other names.</li>
 * </ul>
 * The vocabulary file maps each entry (bytes written with the {@link ByteLevel} table) to its id; the
 * merges file lists one merge per line, {@code "left right"}, in rank order, after an optional
 * {@code #version} line. {@code <|endoftext|>} is special when the vocabulary has it.
 */
final class Gpt2Files {

    /** A file form, by the names of its files. */
    enum Form {
        HF_JSON("tokenizer.json", null), VOCAB_MERGES("vocab.json", "merges.txt"), ENCODER_BPE("encoder.json", "vocab.bpe");

        final String vocab;
        final String merges;

        Form(String vocab, String merges) {
            this.vocab = vocab;
            this.merges = merges;
        }
    }

    private Gpt2Files() {
    }

    /** The first form {@code dir} holds, or null (a Quill {@code tokenizer.json} is not one). */
    static Form form(Path dir) {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        Path json = dir.resolve(Form.HF_JSON.vocab);
        if (Files.isRegularFile(json) && HfTokenizerJson.isHf(readJson(json))) {
            return Form.HF_JSON;
        }
        for (Form f : new Form[]{Form.VOCAB_MERGES, Form.ENCODER_BPE}) {
            if (Files.isRegularFile(dir.resolve(f.vocab)) && Files.isRegularFile(dir.resolve(f.merges))) {
                return f;
            }
        }
        return null;
    }

    static Gpt2Tokenizer load(Path path) {
        if (Files.isDirectory(path)) {
            Form f = form(path);
            if (f == null) {
                throw new BadInputException(path + " holds no GPT-2 tokenizer: expected tokenizer.json (Hugging Face), "
                        + "vocab.json + merges.txt, or encoder.json + vocab.bpe");
            }
            return f == Form.HF_JSON ? HfTokenizerJson.read(readJson(path.resolve(f.vocab)), path.resolve(f.vocab).toString())
                    : load(path.resolve(f.vocab), path.resolve(f.merges));
        }
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        Path dir = path.toAbsolutePath().getParent();
        for (Form f : new Form[]{Form.VOCAB_MERGES, Form.ENCODER_BPE}) {
            if (name.equals(f.vocab)) {
                return load(path, dir.resolve(f.merges));
            }
            if (name.equals(f.merges)) {
                return load(dir.resolve(f.vocab), path);
            }
        }
        if (name.endsWith(".json")) {
            JsonNode root = readJson(path);
            if (!HfTokenizerJson.isHf(root)) {
                throw new BadInputException(path + " is not a Hugging Face tokenizer.json (no \"model\" object)"
                        + (root.has("type") ? "; it is a Quill tokenizer: load it with Tokenizer.load" : ""));
            }
            return HfTokenizerJson.read(root, path.toString());
        }
        throw new BadInputException(path + ": not a GPT-2 tokenizer file; give tokenizer.json, vocab.json, merges.txt, "
                + "encoder.json, vocab.bpe or their directory");
    }

    /** Reads a vocabulary file and its merges file. */
    static Gpt2Tokenizer load(Path vocabFile, Path mergesFile) {
        Map<String, Integer> vocab = vocab(readJson(vocabFile), vocabFile.toString());
        var lines = new ArrayList<Integer>();
        List<String[]> merges = mergesText(read(mergesFile), mergesFile.toString(), lines);
        var specials = new LinkedHashMap<String, Integer>();
        if (vocab.containsKey(Gpt2Tokenizer.END_OF_TEXT)) {
            specials.put(Gpt2Tokenizer.END_OF_TEXT, vocab.get(Gpt2Tokenizer.END_OF_TEXT));
        }
        // a merge names entries of the vocabulary: report a bad one against the merges file
        return new Gpt2Tokenizer(vocab, merges, specials, false, mergesFile.toString(), r -> "line " + lines.get(r));
    }

    /** A vocabulary object: entry -> non-negative integer id. */
    static Map<String, Integer> vocab(JsonNode node, String source) {
        if (node == null || !node.isObject()) {
            throw Gpt2Tokenizer.bad(source, "the vocabulary must be a JSON object of entry -> id");
        }
        var vocab = new LinkedHashMap<String, Integer>();
        var fields = node.fields();
        while (fields.hasNext()) {
            var e = fields.next();
            if (!e.getValue().isInt() || e.getValue().intValue() < 0) {
                throw Gpt2Tokenizer.bad(source, "the id of \"" + e.getKey() + "\" must be a non-negative integer, not "
                        + e.getValue());
            }
            vocab.put(e.getKey(), e.getValue().intValue());
        }
        return vocab;
    }

    /** The merges of a {@code merges.txt}, recording each one's line number (from 1) in {@code lines}. */
    static List<String[]> mergesText(String text, String source, List<Integer> lines) {
        var merges = new ArrayList<String[]>();
        String[] all = text.split("\n", -1);
        for (int i = 0; i < all.length; i++) {
            String line = all[i].endsWith("\r") ? all[i].substring(0, all[i].length() - 1) : all[i];
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) {
                continue;
            }
            String[] parts = line.split(" ", -1);
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw Gpt2Tokenizer.bad(source, "line " + (i + 1) + " must be two entries separated by one space, not \""
                        + line + "\"");
            }
            merges.add(parts);
            lines.add(i + 1);
        }
        return merges;
    }

    static String read(Path file) {
        try {
            return Text.decodeUtf8(Files.readAllBytes(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new BadInputException("no such file: " + file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
    }

    static JsonNode readJson(Path file) {
        try {
            JsonNode root = TokenizerJson.MAPPER.readTree(read(file));
            if (root == null || !root.isObject()) {
                throw Gpt2Tokenizer.bad(file.toString(), "the top level must be a JSON object");
            }
            return root;
        } catch (JsonProcessingException e) {
            throw new BadInputException(file + " is not valid JSON (" + e.getOriginalMessage().lines().findFirst().orElse("")
                    + ")");
        }
    }
}
