package dev.quill.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quill.config.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quill's Hugging Face export: the files written now are byte-identical to the committed ones, and
 * Quill's ids equal those that tokenizers gives for those files
 * (tools/reference/hf_tokenizer_export_check.py wrote ids.json).
 */
class HfTokenizerFilesTest {

    @TempDir
    Path dir;

    @Test
    void everyExportIsByteIdenticalToTheCheckedFilesAndEncodesAsTokenizersDoes() throws IOException {
        var tokenizers = HfExportFixtures.tokenizers();
        assertThat(tokenizers).containsKeys("char", "char-unk", "bpe", "bpe-nfc", "gpt2-small");
        for (var e : tokenizers.entrySet()) {
            String name = e.getKey();
            Tokenizer t = e.getValue();
            Path committed = HfExportFixtures.DIR.resolve(name);
            Path out = dir.resolve(name);
            HfTokenizerFiles.write(t, out);
            try (Stream<Path> files = Files.list(out)) {
                for (Path f : files.toList()) {
                    assertThat(Files.readAllBytes(f)).as(name + "/" + f.getFileName() + " differs from the checked export; if the tokenizer changed on purpose, "
                                    + "regenerate (tools/reference/README.md: HfExportFixtures, hf_tokenizer_export_check.py)")
                            .isEqualTo(Files.readAllBytes(committed.resolve(f.getFileName())));
                }
            }
            int checked = 0;
            for (JsonNode c : Gpt2Fixtures.json(committed.resolve("ids.json"))) {
                String text = c.get("text").asText();
                if (c.has("error")) {
                    assertThatThrownBy(() -> t.encode(text, true)).as(name + ": " + text).isInstanceOf(BadInputException.class);
                } else {
                    assertThat(t.encode(text, true)).as(name + ": " + text).containsExactly(Gpt2Fixtures.ints(c.get("ids")));
                }
                checked++;
            }
            assertThat(checked).as(name).isGreaterThan(70);
        }
    }

    @Test
    void anExportedQuillBpeReadsBackAsAByteLevelBpeThatEncodesTheSame() {
        for (String name : List.of("bpe", "bpe-nfc")) {
            Tokenizer bpe = HfExportFixtures.tokenizers().get(name);
            Tokenizer back = Tokenizer.load(HfExportFixtures.DIR.resolve(name).resolve("tokenizer.json"));
            assertThat(back).isInstanceOf(Gpt2Tokenizer.class);
            assertThat(back.vocabSize()).isEqualTo(bpe.vocabSize());
            assertThat(back.specialTokens()).isEqualTo(bpe.specialTokens());
            for (JsonNode c : Gpt2Fixtures.golden().get("cases")) {
                String text = c.get("text").asText();
                assertThat(back.encode(text, true)).as(name + ": " + text).containsExactly(bpe.encode(text, true));
                int[] ids = bpe.encode(text);
                assertThat(back.decode(ids)).isEqualTo(bpe.decode(ids));
            }
        }
    }

    @Test
    void anExportedGpt2TokenizerReadsBackEqualInEveryForm() {
        Gpt2Tokenizer t = (Gpt2Tokenizer) HfExportFixtures.tokenizers().get("gpt2-small");
        HfTokenizerFiles.write(t, dir);
        assertThat(Tokenizer.load(dir.resolve("tokenizer.json"))).isEqualTo(t);
        // vocab.json + merges.txt keep the file's vocabulary; specials appended later live in tokenizer.json
        Gpt2Tokenizer pair = Gpt2Tokenizer.load(dir.resolve("vocab.json"));
        assertThat(pair.encode("First Citizen: resolved")).containsExactly(t.encode("First Citizen: resolved"));
    }

    @Test
    void aQuillBpeWritesItsByteIdsThroughGpt2sTable() {
        // ids 0..255 of a Quill BPE are raw bytes: in vocab.json they are GPT-2's table characters
        var bpe = BpeTokenizer.fromMerges(List.of(new int[]{' ', 'a'}, new int[]{'\n', '\n'}), List.of());
        HfTokenizerFiles.write(bpe, dir);
        JsonNode vocab = Gpt2Fixtures.json(dir.resolve("vocab.json"));
        assertThat(vocab.get("\u0120").intValue()).isEqualTo(' ');
        assertThat(vocab.get("\u0120a").intValue()).isEqualTo(256);
        assertThat(vocab.get("\u010a\u010a").intValue()).isEqualTo(257);
        assertThat(vocab.get("a").intValue()).isEqualTo('a');
    }

    @Test
    void twoMergesThatSpellTheSameBytesCannotBeExportedAndNothingIsWritten() {
        // 256 = ab, 257 = (ab)c, 258 = bc, 259 = a(bc): 257 and 259 both spell "abc"
        var bpe = BpeTokenizer.fromMerges(List.of(new int[]{'a', 'b'}, new int[]{256, 'c'}, new int[]{'b', 'c'},
                new int[]{'a', 258}), List.of());
        Path out = dir.resolve("dup");
        assertThatThrownBy(() -> HfTokenizerFiles.write(bpe, out)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("257").hasMessageContaining("259").hasMessageContaining("\"abc\"");
        assertThat(Files.exists(out)).isFalse();
    }
}
