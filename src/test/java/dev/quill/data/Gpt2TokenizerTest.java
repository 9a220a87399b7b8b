package dev.quill.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * GPT-2's tokenizer against ids from Hugging Face tokenizers and tiktoken (which agree on every case;
 * see tools/reference/gpt2_tokenizer_golden.py).
 */
class Gpt2TokenizerTest {

    @Test
    void theCommittedFilesAreOpenAisGpt2Files() {
        assertThat(Gpt2Fixtures.sha256(Gpt2Fixtures.DIR.resolve("encoder.json"))).isEqualTo(Gpt2Fixtures.ENCODER_SHA256);
        assertThat(Gpt2Fixtures.sha256(Gpt2Fixtures.DIR.resolve("vocab.bpe"))).isEqualTo(Gpt2Fixtures.VOCAB_BPE_SHA256);
        Gpt2Tokenizer t = Gpt2Fixtures.gpt2();
        assertThat(t.vocabSize()).isEqualTo(50257);
        assertThat(t.mergeIds().length).isEqualTo(50000);
        assertThat(t.specialTokens()).containsExactly(java.util.Map.entry("<|endoftext|>", 50256));
        assertThat(t.normalizesNfc()).isFalse();
    }

    @Test
    void everyGoldenStringEncodesToTheReferenceIdsAndBack() {
        Gpt2Tokenizer t = Gpt2Fixtures.gpt2();
        var mismatches = new ArrayList<String>();
        int cases = 0;
        for (JsonNode c : Gpt2Fixtures.golden().get("cases")) {
            String text = c.get("text").asText();
            int[] want = Gpt2Fixtures.ints(c.get("ids"));
            int[] got = t.encode(text, true);
            if (!java.util.Arrays.equals(got, want)) {
                mismatches.add(text + ": want " + java.util.Arrays.toString(want) + " got " + java.util.Arrays.toString(got));
            }
            assertThat(t.decode(got)).as(text).isEqualTo(text);
            cases++;
        }
        assertThat(cases).isGreaterThanOrEqualTo(40);
        assertThat(mismatches).isEmpty();
    }

    @Test
    void contractionsAreCaseSensitiveAndTheSpecialTokenNeedsPermission() {
        Gpt2Tokenizer t = Gpt2Fixtures.gpt2();
        assertThat(Gpt2PreTokenizer.split("it's IT'S")).containsExactly("it", "'s", " IT", "'", "S");
        int[] plain = t.encode("a<|endoftext|>b");
        assertThat(plain).doesNotContain(50256).hasSizeGreaterThan(3);
        assertThat(t.decode(plain)).isEqualTo("a<|endoftext|>b");
        int[] special = t.encode("a<|endoftext|>b", true);
        assertThat(special).hasSize(3).contains(50256);
        assertThat(t.decode(special)).isEqualTo("a<|endoftext|>b");
    }

    @Test
    void malformedUtf8DecodesToOneReplacementPerBadSequenceAsPythonDoes() {
        Gpt2Tokenizer t = Gpt2Fixtures.gpt2();
        int n = 0;
        for (JsonNode c : Gpt2Fixtures.golden().get("decode")) {
            int[] ids = Gpt2Fixtures.ints(c.get("ids"));
            assertThat(t.decode(ids)).as(c.toString()).isEqualTo(c.get("text").asText());
            n++;
        }
        assertThat(n).isGreaterThanOrEqualTo(8);
    }

    @Test
    void decodeBytesGivesTheRawBytesOfAPartialCharacter() {
        Gpt2Tokenizer t = Gpt2Fixtures.gpt2();
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        int[] ids = t.encode("€");
        var pieces = new ArrayList<Byte>();
        for (int id : ids) {
            for (byte b : t.decodeBytes(new int[]{id})) {
                pieces.add(b);
            }
        }
        assertThat(pieces).containsExactly(euro[0], euro[1], euro[2]);
        assertThat(t.decodeBytes(new int[]{50256})).isEqualTo("<|endoftext|>".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theShakespeareExcerptEncodesToTheReferenceIds() throws Exception {
        String text = Files.readString(Gpt2Fixtures.DIR.resolve("shakespeare-excerpt.txt"));
        int[] want = Gpt2Fixtures.ints(Gpt2Fixtures.golden().get("excerpt"));
        assertThat(Gpt2Fixtures.gpt2().encode(text)).containsExactly(want);
    }

    /** All of tiny Shakespeare: count and sha256 of the ids (int32 LE); runs where data/ has the text. */
    @Test
    void allOfTinyShakespeareMatchesBothLibraries() throws Exception {
        Path file = Path.of(System.getProperty("quill.data.dir", "data"), "tinyshakespeare.txt");
        assumeThat(Files.isRegularFile(file)).as("tiny Shakespeare at " + file).isTrue();
        JsonNode ref = Gpt2Fixtures.json(Gpt2Fixtures.DIR.resolve("tinyshakespeare.json"));
        byte[] raw = Files.readAllBytes(file);
        assertThat(Gpt2Fixtures.sha256(raw)).isEqualTo(ref.get("text_sha256").asText());
        int[] ids = Gpt2Fixtures.gpt2().encode(new String(raw, StandardCharsets.UTF_8));
        ByteBuffer buf = ByteBuffer.allocate(ids.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asIntBuffer().put(ids);
        for (String lib : List.of("tokenizers", "tiktoken")) {
            assertThat(ids.length).isEqualTo(ref.at("/" + lib + "/count").asInt());
            assertThat(Gpt2Fixtures.sha256(buf.array())).isEqualTo(ref.at("/" + lib + "/sha256").asText());
        }
    }

    @Test
    void chunkEncodingsAreCachedAndSpecialTokensAppendAfterTheVocabulary() {
        Gpt2Tokenizer t = Gpt2Tokenizer.load(Gpt2Fixtures.DIR);
        t.encode("the cat the cat the");
        assertThat(t.cacheSize()).isEqualTo(3); // "the", " cat", " the"
        Gpt2Tokenizer chat = t.withSpecialTokens(List.of("<|endoftext|>", "<|user|>", "<|end|>"));
        assertThat(chat.specialTokens()).containsExactly(java.util.Map.entry("<|endoftext|>", 50256),
                java.util.Map.entry("<|user|>", 50257), java.util.Map.entry("<|end|>", 50258));
        assertThat(chat.vocabSize()).isEqualTo(50259);
        assertThat(chat.encode("<|user|>hi<|end|>", true)).containsExactly(50257, 5303, 50258);
        assertThat(chat.decode(new int[]{50257, 5303, 50258})).isEqualTo("<|user|>hi<|end|>");
        assertThat(t.vocabSize()).isEqualTo(50257);
    }
}
