package dev.quill.data;

import dev.quill.config.BadInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CorporaTest {

    @Test
    void tinyShakespeareIsFoundInTheDataDirAndVerified() throws IOException {
        Path file = TestData.tinyShakespearePath();
        // the data dir set by surefire holds the real file: ensure() must verify it and not download
        Path found = Corpora.TINY_SHAKESPEARE.ensure(file.getParent());
        assertThat(found).isEqualTo(file);
        assertThat(Files.size(found)).isEqualTo(TestData.TINY_SHAKESPEARE_BYTES);
        String text = Corpora.tinyShakespeare();
        assertThat(text).hasSize(1_115_394).startsWith("First Citizen:\nBefore we proceed any further, hear me speak.");
    }

    @Test
    void anExplicitPathWinsOverTheDefaultCorpus(@TempDir Path dir) throws IOException {
        Path mine = Files.writeString(dir.resolve("mine.txt"), "my own corpus\n", StandardCharsets.UTF_8);
        assertThat(Corpora.textOrTinyShakespeare(mine)).isEqualTo("my own corpus\n");
        TestData.tinyShakespearePath(); // with the default there (else skipped), null reads it
        assertThat(Corpora.textOrTinyShakespeare(null)).hasSize(1_115_394);
    }

    @Test
    void validUtf8IsReadExactly(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("ok.txt");
        String text = "na\u00efve \u6771\u4eac \uD83D\uDE00 \uFFFD is a real replacement character\n";
        Files.writeString(file, text, StandardCharsets.UTF_8);
        assertThat(Corpora.readText(file)).isEqualTo(text);
    }

    @Test
    void malformedUtf8NamesTheByteOffset(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.txt");
        // "abc" (3 bytes), "é" (2 bytes), then a lone continuation byte at offset 5
        byte[] bytes = {'a', 'b', 'c', (byte) 0xC3, (byte) 0xA9, (byte) 0x80, 'd'};
        Files.write(file, bytes);
        assertThatThrownBy(() -> Corpora.readText(file))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("byte offset 5");
    }

    @Test
    void truncatedCharacterAtTheEndIsMalformed(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("cut.txt");
        Files.write(file, new byte[]{'x', 'y', (byte) 0xE6, (byte) 0x9D}); // first 2 of 3 bytes of 東
        assertThatThrownBy(() -> Corpora.readText(file))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("byte offset 2");
    }

    @Test
    void encodedSurrogatesAreMalformed(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("cesu.txt");
        Files.write(file, new byte[]{'a', (byte) 0xED, (byte) 0xA0, (byte) 0x80}); // U+D800 encoded: invalid UTF-8
        assertThatThrownBy(() -> Corpora.readText(file))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("byte offset 1");
    }

    @Test
    void emptyAndMissingFilesAreClearErrors(@TempDir Path dir) throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.txt"));
        assertThatThrownBy(() -> Corpora.readText(empty)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> Corpora.readText(dir.resolve("nope.txt"))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("no such file");
    }
}
