package dev.quill.data;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quill.config.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The tokenizer.json format and every way a file can be wrong. */
class TokenizerJsonTest {

    @TempDir
    Path dir;

    private Path write(String json) throws IOException {
        return Files.writeString(dir.resolve("tokenizer.json"), json, StandardCharsets.UTF_8);
    }

    @Test
    void fileRecordsTypeNormalisationAndSpecialTokens() throws IOException {
        var tok = CharTokenizer.train("ab\n", new CharTokenizer.Options(true, CharTokenizer.Unknown.ERROR, List.of("<|end|>")));
        Path file = dir.resolve("tokenizer.json");
        tok.save(file);
        JsonNode root = TokenizerJson.MAPPER.readTree(file.toFile());
        assertThat(root.get("type").asText()).isEqualTo("char");
        assertThat(root.get("normalize_nfc").asBoolean()).isTrue();
        assertThat(root.get("special_tokens").get(0).asText()).isEqualTo("<|end|>");
        assertThat(root.get("vocab").size()).isEqualTo(3);
        assertThat(root.get("vocab").get(0).asText()).isEqualTo("\n");

        var bpe = BpeTokenizer.train("aaab", BpeTokenizer.Options.of(257));
        bpe.save(file);
        JsonNode b = TokenizerJson.MAPPER.readTree(file.toFile());
        assertThat(b.get("type").asText()).isEqualTo("bpe");
        assertThat(b.get("merges").get(0).get(0).asInt()).isEqualTo('a');
        assertThat(b.get("merges").get(0).get(1).asInt()).isEqualTo('a');
    }

    @Test
    void missingFileSaysHowToGetOne() {
        assertThatThrownBy(() -> Tokenizer.load(dir.resolve("nope.json")))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("no tokenizer file")
                .hasMessageContaining("train");
    }

    @Test
    void notJsonIsBadInput() throws IOException {
        Path file = write("{\"type\": \"char\",");
        assertThatThrownBy(() -> Tokenizer.load(file)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("not valid JSON");
    }

    @Test
    void unknownTypeIsBadInput() throws IOException {
        Path file = write("{\"type\": \"wordpiece\", \"version\": 1}");
        assertThatThrownBy(() -> Tokenizer.load(file)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("unknown type \"wordpiece\"");
    }

    @Test
    void missingFieldIsNamed() throws IOException {
        Path file = write("{\"type\": \"bpe\", \"version\": 1, \"normalize_nfc\": false, \"special_tokens\": []}");
        assertThatThrownBy(() -> Tokenizer.load(file)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("missing field \"merges\"");
    }

    @Test
    void mergeThatRefersToTheFutureIsRejected() throws IOException {
        Path file = write("{\"type\": \"bpe\", \"version\": 1, \"normalize_nfc\": false, \"special_tokens\": [],"
                + " \"merges\": [[97, 98], [256, 257]]}");
        assertThatThrownBy(() -> Tokenizer.load(file)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("merges[1]");
    }

    @Test
    void unsortedCharVocabularyIsRejected() throws IOException {
        Path file = write("{\"type\": \"char\", \"version\": 1, \"normalize_nfc\": false, \"special_tokens\": [],"
                + " \"unknown\": \"error\", \"vocab\": [\"b\", \"a\"]}");
        assertThatThrownBy(() -> Tokenizer.load(file)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("strictly increasing");
    }

    @Test
    void futureVersionIsRejected() throws IOException {
        Path file = write("{\"type\": \"char\", \"version\": 2}");
        assertThatThrownBy(() -> Tokenizer.load(file)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("version 2");
    }

    @Test
    void handWrittenFileLoads() throws IOException {
        // written by hand from the documented format: ids follow list order, specials after the vocab
        Path file = write("{\"type\": \"char\", \"version\": 1, \"normalize_nfc\": false, \"special_tokens\": [\"<|end|>\"],"
                + " \"unknown\": \"error\", \"vocab\": [\" \", \"h\", \"i\"]}");
        var tok = Tokenizer.load(file);
        assertThat(tok.encode("hi <|end|>", true)).containsExactly(1, 2, 0, 3);
    }
}
