package dev.quill.data;

import dev.quill.config.BadInputException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenFileTest {

    @Test
    void writesInt32LittleEndianAndMapsItBack(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("ids.bin");
        try (var writer = TokenFile.writer(file)) {
            writer.write(new int[]{1, 258, -1});
            writer.write(new int[]{70_000});
            writer.commit();
        }
        // the format, checked byte by byte: 258 = 0x0102 -> 02 01 00 00
        byte[] raw = Files.readAllBytes(file);
        assertThat(raw).hasSize(16);
        assertThat(new byte[]{raw[4], raw[5], raw[6], raw[7]}).containsExactly(2, 1, 0, 0);
        var tokens = TokenFile.open(file);
        assertThat(tokens.size()).isEqualTo(4);
        assertThat(tokens.toArray()).containsExactly(1, 258, -1, 70_000);
        assertThat(ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getInt(12)).isEqualTo(70_000);
    }

    @Test
    void aWriterThatIsNotCommittedLeavesNothing(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("ids.bin");
        try (var writer = TokenFile.writer(file)) {
            writer.write(new int[]{1, 2, 3});
        }
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void truncatedFileIsABadInput(@TempDir Path dir) throws IOException {
        Path file = Files.write(dir.resolve("ids.bin"), new byte[]{1, 0, 0, 0, 2, 0});
        assertThatThrownBy(() -> TokenFile.open(file)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("multiple of 4");
    }

    @Test
    void idsOutsideTheVocabularyAreRefusedAtOpenNamingThePosition(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("ids.bin");
        try (var writer = TokenFile.writer(file)) {
            writer.write(new int[]{0, 64, 3, 65, 2});
            writer.commit();
        }
        assertThatThrownBy(() -> TokenFile.open(file, 65)).isInstanceOf(BadInputException.class)
                .hasMessage("token file " + file + ": id 65 at position 3 is outside the vocabulary [0, 65): it was "
                        + "written with another tokenizer, or is not a token file");
        assertThat(TokenFile.open(file, 66).toArray()).containsExactly(0, 64, 3, 65, 2);
        try (var writer = TokenFile.writer(file)) {
            writer.write(new int[]{7, -1});
            writer.commit();
        }
        assertThatThrownBy(() -> TokenFile.open(file, 1000)).hasMessageContaining("id -1 at position 1");
    }

    @Test
    void streamingTinyShakespeareGivesTheSameIdsAsEncodingItWhole(@TempDir Path dir) {
        String text = TestData.excerpt();
        var tok = BpeTokenizer.train(text.substring(0, 30_000), BpeTokenizer.Options.of(400));
        var file = TokenFile.encode(TestData.excerptPath(), tok, false, dir.resolve("ts.bin"));
        // isEqualTo compares with Arrays.equals; containsExactly is quadratic on 650k ids
        assertThat(file.toArray()).isEqualTo(tok.encode(text));
    }

    @Property(tries = 100)
    void piecesConcatenateToTheText(@ForAll("text") String text, @ForAll @IntRange(min = 1, max = 40) int pieceChars)
            throws IOException {
        assertThat(String.join("", pieces(text, pieceChars))).isEqualTo(text);
    }

    /**
     * With pieceChars >= 19 the hard limit (16 x pieceChars >= 304) exceeds these texts (<= 300 chars), so
     * every cut is a safe cut and streaming must give exactly the ids of encoding the whole text. (A forced
     * cut inside a long word may differ; TextStream documents that.)
     */
    @Property(tries = 100)
    void safeCutsEncodeLikeTheWholeText(@ForAll("text") String text, @ForAll @IntRange(min = 19, max = 40) int pieceChars)
            throws IOException {
        var ids = new ArrayList<Integer>();
        for (String piece : pieces(text, pieceChars)) {
            for (int id : STREAM_TOK.encode(piece)) {
                ids.add(id);
            }
        }
        assertThat(ids).containsExactlyElementsOf(boxed(STREAM_TOK.encode(text)));
    }

    private static List<String> pieces(String text, int pieceChars) throws IOException {
        Path file = Files.createTempFile("quill-stream", ".txt");
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
            var pieces = new ArrayList<String>();
            TextStream.forEachPiece(file, pieceChars, pieces::add);
            return pieces;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static final BpeTokenizer STREAM_TOK = BpeTokenizer.train(
            "the cat sat on the mat.  The 12 dogs\n\nran   far! ", BpeTokenizer.Options.of(300));

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<String> text() {
        // words, digits, runs of spaces and newlines: enough safe cut points, and some long runs without
        return net.jqwik.api.Arbitraries.strings().withChars("the cat12 \n\n.!\u00e9").ofMinLength(1).ofMaxLength(300);
    }

    private static List<Integer> boxed(int[] ids) {
        var out = new ArrayList<Integer>(ids.length);
        for (int id : ids) {
            out.add(id);
        }
        return out;
    }

    @Test
    void streamingReportsMalformedBytesWithTheirOffsetAcrossReads(@TempDir Path dir) throws IOException {
        // 3 MiB of ASCII then a bad byte: the error lies well past the first 1 MiB read
        byte[] bytes = new byte[3 * (1 << 20) + 10];
        java.util.Arrays.fill(bytes, (byte) 'a');
        bytes[3 * (1 << 20) + 5] = (byte) 0xFF;
        Path file = Files.write(dir.resolve("big.txt"), bytes);
        assertThatThrownBy(() -> TextStream.forEachPiece(file, 1000, piece -> { }))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("byte offset " + (3 * (1 << 20) + 5));
    }

    @Test
    void aCharacterSplitAcrossReadsIsDecoded(@TempDir Path dir) throws IOException {
        // put the 3-byte 東 across the 1 MiB read boundary
        var sb = new StringBuilder("x".repeat((1 << 20) - 1)).append('\u6771').append(" end\n");
        Path file = Files.writeString(dir.resolve("edge.txt"), sb, StandardCharsets.UTF_8);
        var out = new StringBuilder();
        TextStream.forEachPiece(file, 1 << 16, out::append);
        assertThat(out.toString()).isEqualTo(sb.toString());
    }
}
