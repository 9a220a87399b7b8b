package dev.quill.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.config.BadInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reading and writing {@code tokenizer.json}. A Hugging Face file (recognised by its {@code "model"}
 * object) is handed to {@link HfTokenizerJson}; Quill's own format follows. Its common fields are {@code "type"}, {@code "version"},
 * {@code "normalize_nfc"} and {@code "special_tokens"} (a list of names; their ids follow the ordinary
 * vocabulary in list order); each type adds its own vocabulary fields.
 */
final class TokenizerJson {

    static final int VERSION = 1;
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TokenizerJson() {
    }

    static Tokenizer load(Path file) {
        String source = file.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new BadInputException("no tokenizer file at " + file
                    + ": train a tokenizer first (quill tokenizer train) or point to an existing " + Tokenizer.FILE_NAME);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(Text.decodeUtf8(bytes, source));
        } catch (JsonProcessingException e) {
            throw new BadInputException(source + " is not valid JSON (" + e.getOriginalMessage()
                    + "); re-create it with tokenizer save");
        }
        if (root == null || !root.isObject()) {
            throw bad(source, "the top level must be a JSON object");
        }
        if (HfTokenizerJson.isHf(root)) {
            return "WordLevel".equals(root.path("model").path("type").asText())
                    ? CharTokenizer.fromHfWordLevel(root, source)     // a character tokenizer exported by Quill
                    : HfTokenizerJson.read(root, source);
        }
        String type = text(root, "type", source);
        int version = integer(root, "version", source);
        if (version != VERSION) {
            throw bad(source, "version " + version + " is not supported (this Quill reads version " + VERSION + ")");
        }
        return switch (type) {
            case "char" -> CharTokenizer.fromJson(root, source);
            case "bpe" -> BpeTokenizer.fromJson(root, source);
            default -> throw bad(source, "unknown type \"" + type + "\" (expected \"char\" or \"bpe\")");
        };
    }

    /** A new object with the common fields filled in. */
    static ObjectNode header(String type, boolean nfc, SpecialTokens specials) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("type", type);
        root.put("version", VERSION);
        root.put("normalize_nfc", nfc);
        var list = root.putArray("special_tokens");
        specials.names().forEach(list::add);
        return root;
    }

    static void write(Path file, ObjectNode root) {
        try {
            AtomicFiles.write(file, MAPPER.writeValueAsString(root).getBytes(StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not serialise tokenizer", e);
        }
    }

    static BadInputException bad(String source, String problem) {
        return new BadInputException("malformed tokenizer file " + source + ": " + problem
                + "; re-create it with tokenizer save");
    }

    static JsonNode field(JsonNode root, String name, String source) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            throw bad(source, "missing field \"" + name + "\"");
        }
        return node;
    }

    static String text(JsonNode root, String name, String source) {
        JsonNode node = field(root, name, source);
        if (!node.isTextual()) {
            throw bad(source, "field \"" + name + "\" must be a string");
        }
        return node.asText();
    }

    static int integer(JsonNode root, String name, String source) {
        JsonNode node = field(root, name, source);
        if (!node.isInt()) {
            throw bad(source, "field \"" + name + "\" must be an integer");
        }
        return node.intValue();
    }

    static boolean bool(JsonNode root, String name, String source) {
        JsonNode node = field(root, name, source);
        if (!node.isBoolean()) {
            throw bad(source, "field \"" + name + "\" must be true or false");
        }
        return node.booleanValue();
    }

    static JsonNode array(JsonNode root, String name, String source) {
        JsonNode node = field(root, name, source);
        if (!node.isArray()) {
            throw bad(source, "field \"" + name + "\" must be an array");
        }
        return node;
    }

    /** The special token names, in id order. */
    static List<String> specialNames(JsonNode root, String source) {
        var names = new ArrayList<String>();
        for (JsonNode node : array(root, "special_tokens", source)) {
            if (!node.isTextual()) {
                throw bad(source, "special_tokens must hold strings");
            }
            names.add(node.asText());
        }
        return names;
    }
}
