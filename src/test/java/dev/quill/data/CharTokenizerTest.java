package dev.quill.data;

import dev.quill.config.BadInputException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CharTokenizerTest {

    @Test
    void tinyShakespeareHasNanoGptsSixtyFiveSymbolsAndIds() {
        var tok = CharTokenizer.train(TestData.tinyShakespeare());
        // nanoGPT's shakespeare_char/prepare.py reports vocab size 65; sorted order puts
        // '\n' first, then ' ', '!', ... 'A' after 13 symbols, 'a' after 39.
        assertThat(tok.vocabSize()).isEqualTo(65);
        assertThat(tok.encode("\n")).containsExactly(0);
        assertThat(tok.encode(" ")).containsExactly(1);
        assertThat(tok.encode("A")).containsExactly(13);
        assertThat(tok.encode("a")).containsExactly(39);
        assertThat(tok.decode(new int[]{13, 39})).isEqualTo("Aa");
    }

    @Test
    void shakespeareRoundTripsOneTokenPerCharacter() {
        String text = TestData.excerpt();
        var tok = CharTokenizer.train(text);
        int[] ids = tok.encode(text);
        assertThat(ids).hasSize(50_758); // the excerpt is ASCII: one byte, one character, one token (wc -c)
        assertThat(tok.decode(ids)).isEqualTo(text);
    }

    @Test
    void idsFollowCodePointOrderIncludingSupplementaryCharacters() {
        var tok = CharTokenizer.train("b\uD83D\uDE00a\u00e9");
        // code points: 'a' 0x61 < 'b' 0x62 < 'é' 0xE9 < '😀' 0x1F600
        assertThat(tok.encode("ab\u00e9\uD83D\uDE00")).containsExactly(0, 1, 2, 3);
        assertThat(tok.codePoints()).containsExactly(0x61, 0x62, 0xE9, 0x1F600);
    }

    @Test
    void unknownCharacterIsAnErrorNamingItAndWhereItIs() {
        var tok = CharTokenizer.train("abc\n");
        assertThatThrownBy(() -> tok.encode("ab\ncaZ"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("'Z' (U+005A)")
                .hasMessageContaining("line 2, column 3 (index 5)");
    }

    @Test
    void unknownCharacterCanMapToTheUnknownToken() {
        var options = new CharTokenizer.Options(false, CharTokenizer.Unknown.MAP_TO_UNKNOWN, List.of());
        var tok = CharTokenizer.train("abc", options);
        assertThat(tok.vocabSize()).isEqualTo(4);
        assertThat(tok.specialTokenId(CharTokenizer.UNKNOWN_TOKEN)).isEqualTo(3);
        assertThat(tok.encode("aZc")).containsExactly(0, 3, 2);
    }

    @Test
    void unpairedSurrogateIsRejected() {
        var tok = CharTokenizer.train("abc");
        assertThatThrownBy(() -> tok.encode("a\uD800b"))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("unpaired surrogate U+D800");
        assertThatThrownBy(() -> CharTokenizer.train("x\uDC00"))
                .isInstanceOf(BadInputException.class);
    }

    @Test
    void emptyTrainingTextIsAnError() {
        assertThatThrownBy(() -> CharTokenizer.train("")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void nfcNormalisationComposesAccentsWhenOn() {
        String decomposed = "e\u0301";  // e + combining acute
        var plain = CharTokenizer.train("e\u0301\u00e9");
        assertThat(plain.encode(decomposed)).hasSize(2);
        var options = new CharTokenizer.Options(true, CharTokenizer.Unknown.ERROR, List.of());
        var nfc = CharTokenizer.train("e\u0301", options); // trains on the composed form
        assertThat(nfc.vocabSize()).isEqualTo(1);
        assertThat(nfc.decode(nfc.encode(decomposed))).isEqualTo("\u00e9");
    }

    @Test
    void specialTokensAreAppendedAndRecognisedOnlyWhenAllowed() {
        var tok = CharTokenizer.train("<|>abcdefghijklmnopqrstuvwxyz");
        int base = tok.vocabSize();
        var chat = tok.withSpecialTokens(List.of("<|user|>", "<|end|>"));
        assertThat(chat.vocabSize()).isEqualTo(base + 2);
        assertThat(chat.specialTokens()).containsExactly(
                java.util.Map.entry("<|user|>", base), java.util.Map.entry("<|end|>", base + 1));
        // existing ids do not move
        assertThat(chat.encode("abc")).containsExactly(tok.encode("abc"));
        assertThat(chat.encode("<|user|>hi<|end|>", true))
                .containsExactly(base, chat.encode("h")[0], chat.encode("i")[0], base + 1);
        // not allowed: the same string is plain characters
        assertThat(chat.encode("<|end|>")).hasSize(7);
        assertThat(chat.decode(chat.encode("<|user|>hi<|end|>", true))).isEqualTo("<|user|>hi<|end|>");
        // adding an existing token again keeps its id
        assertThat(chat.withSpecialTokens(List.of("<|end|>")).vocabSize()).isEqualTo(base + 2);
    }

    @Test
    void saveAndLoadIsLossless(@TempDir Path dir) {
        var options = new CharTokenizer.Options(true, CharTokenizer.Unknown.MAP_TO_UNKNOWN, List.of("<|endoftext|>"));
        var tok = CharTokenizer.train("Hello, \"world\"\n\t\u00e9\uD83D\uDE00\\", options);
        Path file = dir.resolve(Tokenizer.FILE_NAME);
        tok.save(file);
        var loaded = (CharTokenizer) Tokenizer.load(file);
        assertThat(loaded.codePoints()).containsExactly(tok.codePoints());
        assertThat(loaded.specialTokens()).isEqualTo(tok.specialTokens());
        assertThat(loaded.unknown()).isEqualTo(tok.unknown());
        assertThat(loaded.normalizesNfc()).isTrue();
        assertThat(loaded.vocabSize()).isEqualTo(tok.vocabSize());
    }

    @Test
    void decodingAnIdOutsideTheVocabularyIsAnError() {
        var tok = CharTokenizer.train("ab");
        assertThatThrownBy(() -> tok.decode(new int[]{2})).isInstanceOf(BadInputException.class)
                .hasMessageContaining("outside the vocabulary");
        assertThatThrownBy(() -> tok.specialTokenId("<|nope|>")).isInstanceOf(BadInputException.class);
    }

    @Test
    void batchVariantsMatchSingleCalls() {
        var tok = CharTokenizer.train("abc xyz");
        var texts = List.of("abc", "", "zyx a");
        List<int[]> ids = tok.encodeBatch(texts);
        assertThat(ids).hasSize(3);
        assertThat(ids.get(2)).containsExactly(tok.encode("zyx a"));
        assertThat(tok.decodeBatch(ids)).isEqualTo(texts);
    }

    private static final String ALPHABET = "abcXYZ \n\t.,'\u00e9\u4e2d\uD83D\uDE00";
    private static final CharTokenizer SMALL = CharTokenizer.train(ALPHABET);

    @Provide
    Arbitrary<String> alphabetText() {
        int[] cps = ALPHABET.codePoints().toArray();
        return Arbitraries.integers().between(0, cps.length - 1).list().ofMaxSize(60)
                .map(idx -> {
                    var sb = new StringBuilder();
                    idx.forEach(i -> sb.appendCodePoint(cps[i]));
                    return sb.toString();
                });
    }

    @Property(tries = 200)
    void roundTripsAnyTextOverItsAlphabet(@ForAll("alphabetText") String text) {
        int[] ids = SMALL.encode(text);
        assertThat(ids).hasSize(text.codePointCount(0, text.length()));
        assertThat(SMALL.decode(ids)).isEqualTo(text);
    }
}
