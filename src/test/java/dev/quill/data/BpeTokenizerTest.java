package dev.quill.data;

import dev.quill.config.BadInputException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BpeTokenizerTest {

    /** Some of everything: ASCII, accents both ways, CJK, Hangul, emoji (surrogate pairs), digits. */
    private static final String MIXED = ("The quick brown fox jumps over the lazy dog. 1234 5678!\n"
            + "caf\u00e9 cafe\u0301 na\u00efve \u6771\u4eac\u90fd \ud55c\uad6d\uc5b4 \uD83D\uDE00\uD83D\uDE00 \uD83D\uDC4D\uD83C\uDFFD\n"
            + "  indented\tline\u3000with\u00a0odd   spaces\n").repeat(5);
    private static final BpeTokenizer MIXED_TOK = BpeTokenizer.train(MIXED, BpeTokenizer.Options.of(256 + 60));

    @Provide
    Arbitrary<String> unicodeText() {
        Arbitrary<Integer> ascii = Arbitraries.integers().between(0x20, 0x7E);
        Arbitrary<Integer> spaces = Arbitraries.of(0x20, 0x0A, 0x09, 0x0D, 0x3000, 0x00A0, 0x2028);
        Arbitrary<Integer> marks = Arbitraries.integers().between(0x0300, 0x036F);
        Arbitrary<Integer> latin = Arbitraries.integers().between(0x00C0, 0x024F);
        Arbitrary<Integer> cjk = Arbitraries.integers().between(0x4E00, 0x9FFF);
        Arbitrary<Integer> emoji = Arbitraries.integers().between(0x1F300, 0x1FAFF);
        Arbitrary<Integer> anyValid = Arbitraries.integers().between(0, 0x10FFFF)
                .filter(cp -> cp < 0xD800 || cp > 0xDFFF);
        Arbitrary<Integer> cp = Arbitraries.frequencyOf(
                Tuple.of(5, ascii), Tuple.of(2, spaces), Tuple.of(1, marks),
                Tuple.of(1, latin), Tuple.of(1, cjk), Tuple.of(1, emoji),
                Tuple.of(1, anyValid));
        return cp.list().ofMaxSize(80).map(list -> {
            var sb = new StringBuilder();
            list.forEach(sb::appendCodePoint);
            return sb.toString();
        });
    }

    @Property(tries = 300)
    void everyValidStringRoundTrips(@ForAll("unicodeText") String text) {
        assertThat(MIXED_TOK.decode(MIXED_TOK.encode(text))).isEqualTo(text);
    }

    @Property(tries = 100)
    void encodedBytesAreTheUtf8OfTheText(@ForAll("unicodeText") String text) {
        assertThat(MIXED_TOK.decodeBytes(MIXED_TOK.encode(text))).isEqualTo(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void mergesCompressTheTrainingText() {
        int[] ids = MIXED_TOK.encode(MIXED);
        assertThat(MIXED_TOK.vocabSize()).isEqualTo(316);
        // Encoding the training text replays training, and every merge there removed at least 5 tokens
        // (each line of MIXED occurs 5 times): at least 60 * 5 fewer tokens than bytes.
        assertThat(ids.length).isLessThanOrEqualTo(MIXED.getBytes(StandardCharsets.UTF_8).length - 60 * 5);
    }

    @Test
    void unpairedSurrogatesAreRejectedWithTheirPosition() {
        assertThatThrownBy(() -> MIXED_TOK.encode("ok \uDE00 no"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("U+DE00")
                .hasMessageContaining("index 3");
        assertThatThrownBy(() -> MIXED_TOK.encode("end\uD83D"))
                .isInstanceOf(BadInputException.class);
    }

    @Test
    void sequenceCutMidCharacterDecodesWithReplacementButKeepsItsBytes() {
        var bytesOnly = BpeTokenizer.fromMerges(List.of(), List.of());
        int[] ids = bytesOnly.encode("\u00e9"); // UTF-8 C3 A9, no merges: two byte tokens
        assertThat(ids).containsExactly(0xC3, 0xA9);
        assertThat(bytesOnly.decode(new int[]{0xC3})).isEqualTo("\uFFFD");
        assertThat(bytesOnly.decode(new int[]{'a', 0xC3})).isEqualTo("a\uFFFD");
        assertThat(bytesOnly.decodeBytes(new int[]{0xC3})).containsExactly((byte) 0xC3);
        assertThat(bytesOnly.decode(ids)).isEqualTo("\u00e9");
    }

    @Test
    void trainingIsDeterministic() {
        var a = BpeTokenizer.train(MIXED, BpeTokenizer.Options.of(256 + 60));
        assertThat(a.merges()).isDeepEqualTo(MIXED_TOK.merges());
    }

    @Provide
    Arbitrary<String> tieHeavyText() {
        // few symbols, many equal counts: the tie-break decides most merges
        return Arbitraries.strings().withChars("ab c\n.1\u00e9").ofMinLength(1).ofMaxLength(200);
    }

    @Property(tries = 60)
    void incrementalTrainerAgreesWithTheNaiveRecount(@ForAll("tieHeavyText") String text) {
        int numMerges = 15;
        var fast = BpeTokenizer.train(text, BpeTokenizer.Options.of(256 + numMerges));
        assertThat(fast.merges()).isDeepEqualTo(NaiveBpe.train(text, numMerges).toArray(int[][]::new));
    }

    @Test
    void learnedTokensNeverCrossAChunkBoundary() {
        var tok = BpeTokenizer.train(TestData.excerpt(), BpeTokenizer.Options.of(512));
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
        int checked = 0;
        for (int id = 256; id < tok.vocabSize(); id++) {
            String s;
            try {
                s = decoder.decode(ByteBuffer.wrap(tok.tokenBytes(id))).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                continue; // a piece of a multi-byte character: cannot cross anything
            }
            assertThat(PreTokenizer.split(s)).as("token %d = [%s]", id, s).hasSize(1);
            checked++;
        }
        assertThat(checked).isGreaterThan(200);
    }

    @Test
    void specialTokensAreNeverSplitNorMergedNorCounted() {
        String text = "ab ab<|endoftext|>".repeat(50);
        var tok = BpeTokenizer.train(text, new BpeTokenizer.Options(256 + 4 + 1, false, List.of("<|endoftext|>")));
        int eot = tok.specialTokenId("<|endoftext|>");
        assertThat(eot).isEqualTo(tok.vocabSize() - 1);
        for (int[] m : tok.merges()) {
            for (byte b : tok.tokenBytes(m[0])) {
                assertThat((char) b).isIn('a', 'b', ' ');
            }
        }
        int[] ids = tok.encode(text, true);
        assertThat(java.util.Arrays.stream(ids).filter(id -> id == eot).count()).isEqualTo(50);
        assertThat(tok.encode(text, false)).doesNotContain(eot);
        assertThat(tok.decode(ids)).isEqualTo(text);
    }

    @Test
    void fineTuningTokensAppendAtTheEnd() {
        var chat = MIXED_TOK.withSpecialTokens(List.of("<|user|>", "<|end|>"));
        assertThat(chat.specialTokenId("<|user|>")).isEqualTo(316);
        assertThat(chat.specialTokenId("<|end|>")).isEqualTo(317);
        assertThat(chat.vocabSize()).isEqualTo(318);
        assertThat(chat.encode("<|user|>The fox<|end|>", true))
                .startsWith(316).endsWith(317)
                .contains(MIXED_TOK.encode("The fox"));
    }

    @Test
    void saveAndLoadIsLossless(@TempDir Path dir) {
        var tok = BpeTokenizer.train(MIXED, new BpeTokenizer.Options(300, true, List.of("<|endoftext|>")));
        Path file = dir.resolve(Tokenizer.FILE_NAME);
        tok.save(file);
        var loaded = (BpeTokenizer) Tokenizer.load(file);
        assertThat(loaded.merges()).isDeepEqualTo(tok.merges());
        assertThat(loaded.specialTokens()).isEqualTo(tok.specialTokens());
        assertThat(loaded.normalizesNfc()).isTrue();
        assertThat(loaded.encode(MIXED, true)).containsExactly(tok.encode(MIXED, true));
    }

    @Test
    void vocabularySmallerThanTheBytesIsABadInput() {
        assertThatThrownBy(() -> BpeTokenizer.Options.of(200)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("256");
    }

    @Test
    void tinyCorpusStopsEarlyWhenPairsRunOut() {
        var tok = BpeTokenizer.train("abc", BpeTokenizer.Options.of(1000));
        assertThat(tok.merges()).hasNumberOfRows(2); // ab, then (ab)c
        assertThat(tok.encode("abc")).containsExactly(257);
    }
}
