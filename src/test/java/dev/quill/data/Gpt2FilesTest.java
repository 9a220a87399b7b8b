package dev.quill.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quill.config.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three file forms, their errors, and the tokenizer.json that Gpt2Tokenizer writes. */
class Gpt2FilesTest {

    @TempDir
    Path dir;

    /** A copy of GPT-2's files under Hugging Face's names. */
    private Path hfNames() throws IOException {
        Path d = Files.createDirectories(dir.resolve("hf"));
        Files.copy(Gpt2Fixtures.DIR.resolve("encoder.json"), d.resolve("vocab.json"));
        Files.copy(Gpt2Fixtures.DIR.resolve("vocab.bpe"), d.resolve("merges.txt"));
        return d;
    }

    @Test
    void allThreeFormsAndEachFileGiveTheSameTokenizer() throws IOException {
        Gpt2Tokenizer openai = Gpt2Fixtures.gpt2();
        Path hf = hfNames();
        Path json = dir.resolve("json/tokenizer.json");
        openai.save(json);
        assertThat(Gpt2Tokenizer.load(hf)).isEqualTo(openai);
        assertThat(Gpt2Tokenizer.load(hf.resolve("vocab.json"))).isEqualTo(openai);
        assertThat(Gpt2Tokenizer.load(hf.resolve("merges.txt"))).isEqualTo(openai);
        assertThat(Gpt2Tokenizer.load(Gpt2Fixtures.DIR.resolve("encoder.json"))).isEqualTo(openai);
        assertThat(Gpt2Tokenizer.load(json.getParent())).isEqualTo(openai);
        assertThat(Tokenizer.load(json)).isEqualTo(openai);
        assertThat(Tokenizer.fromDirectory(json.getParent())).isEqualTo(openai);
        assertThat(Tokenizer.fromDirectory(hf)).isEqualTo(openai);
        assertThat(Tokenizer.fromPath(hf.resolve("vocab.json"))).isEqualTo(openai);
        assertThat(Gpt2Tokenizer.hasFiles(hf)).isTrue();
        assertThat(Gpt2Tokenizer.hasFiles(Gpt2Fixtures.DIR)).isTrue();
        // the written tokenizer.json keeps <|endoftext|> special and encodes identically
        Tokenizer back = Tokenizer.load(json);
        assertThat(back.encode("x<|endoftext|>y", true)).containsExactly(openai.encode("x<|endoftext|>y", true));
    }

    @Test
    void aSavedExtendedTokenizerKeepsItsAppendedSpecialTokens() {
        Gpt2Tokenizer chat = Gpt2Fixtures.gpt2().withSpecialTokens(List.of("<|user|>"));
        Path file = dir.resolve("chat.json");
        chat.save(file);
        Tokenizer back = Tokenizer.load(file);
        assertThat(back).isEqualTo(chat);
        assertThat(back.specialTokenId("<|user|>")).isEqualTo(50257);
        assertThat(back.vocabSize()).isEqualTo(50258);
    }

    @Test
    void aTokenizerJsonWrittenByHuggingFaceLoadsAndEncodesAsTokenizersDoes() {
        // trained and saved by tokenizers (merges as pairs, <|endoftext|> as added token 0)
        Path hfSmall = Gpt2Fixtures.DIR.resolve("hf-small");
        Gpt2Tokenizer t = Gpt2Tokenizer.load(hfSmall);
        assertThat(t.specialTokens()).containsExactly(Map.entry("<|endoftext|>", 0));
        int n = 0;
        for (JsonNode c : Gpt2Fixtures.json(hfSmall.resolve("ids.json"))) {
            String text = c.get("text").asText();
            assertThat(t.encode(text, true)).as(text).containsExactly(Gpt2Fixtures.ints(c.get("ids")));
            n++;
        }
        assertThat(n).isGreaterThan(40);
    }

    /** A tiny vocabulary: the 256 byte characters, then "ab" made by the one merge "a b". */
    private Path tiny(String mergesText, boolean endOfText) throws IOException {
        var vocab = new LinkedHashMap<String, Integer>();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevel.toChar(b)), b);
        }
        vocab.put("ab", 256);
        if (endOfText) {
            vocab.put("<|endoftext|>", 257);
        }
        Path d = Files.createDirectories(dir.resolve("tiny"));
        Files.writeString(d.resolve("vocab.json"), TokenizerJson.MAPPER.writeValueAsString(vocab));
        Files.writeString(d.resolve("merges.txt"), mergesText);
        return d;
    }

    @Test
    void mergesMayHaveAVersionLineAndCrlfAndTheSpecialTokenIsOptional() throws IOException {
        Gpt2Tokenizer plain = Gpt2Tokenizer.load(tiny("a b\n", false));
        assertThat(plain.vocabSize()).isEqualTo(257);
        assertThat(plain.specialTokens()).isEmpty();
        assertThat(plain.encode("abc<|endoftext|>", true)).startsWith(256, 'c');
        Gpt2Tokenizer withVersion = Gpt2Tokenizer.load(tiny("#version: 0.2\r\na b\r\n", true));
        assertThat(withVersion.specialTokens()).containsExactly(Map.entry("<|endoftext|>", 257));
        assertThat(withVersion.encode("xab<|endoftext|>", true)).containsExactly('x', 256, 257);
    }

    private void assertOneLineError(Path path, String... parts) {
        assertThatThrownBy(() -> Gpt2Tokenizer.load(path)).isInstanceOf(BadInputException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").contains(parts));
    }

    @Test
    void badFilesAreOneLineNamingTheFile() throws IOException {
        Path d = tiny("a b\nab\n", false);
        assertOneLineError(d, "merges.txt", "line 2", "two entries");
        Files.writeString(d.resolve("merges.txt"), "a b\na q\n");
        assertOneLineError(d, "merges.txt", "line 2", "aq");
        Files.writeString(d.resolve("vocab.json"), "{\"a\": \"x\"}");
        assertOneLineError(d, "vocab.json", "non-negative integer");
        Files.writeString(d.resolve("vocab.json"), "{\"a\": 0");
        assertOneLineError(d, "vocab.json", "not valid JSON");
        Files.writeString(d.resolve("vocab.json"), "{\"a\": 0}");
        assertOneLineError(d, "has no entry for byte");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertOneLineError(empty, "holds no GPT-2 tokenizer");
        assertOneLineError(empty.resolve("vocab.json"), "no such file");
        assertThatThrownBy(() -> Tokenizer.fromDirectory(empty)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("holds no tokenizer");
        Path json = dir.resolve("other/tokenizer.json");
        Files.createDirectories(json.getParent());
        Files.writeString(json, "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}");
        assertThatThrownBy(() -> Tokenizer.load(json)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("tokenizer.json").hasMessageContaining("WordPiece");
    }

    @Test
    void readingNeverWritesIntoTheDirectory() throws IOException {
        Path hf = hfNames();
        Gpt2Tokenizer.load(hf);
        Tokenizer.fromDirectory(hf);
        try (Stream<Path> files = Files.list(hf)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("vocab.json", "merges.txt");
        }
    }

    @Test
    void aCheckpointDirectoryWithAQuillTokenizerIsNotAGpt2Directory() {
        var bpe = BpeTokenizer.fromMerges(List.of(new int[]{'a', 'b'}), List.of("<|endoftext|>"));
        bpe.save(dir.resolve("tokenizer.json"));
        assertThat(Gpt2Tokenizer.hasFiles(dir)).isFalse();
        assertThat(Tokenizer.fromDirectory(dir)).isInstanceOf(BpeTokenizer.class);
    }
}
