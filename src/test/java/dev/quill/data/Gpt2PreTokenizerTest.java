package dev.quill.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The hand-written scanner against GPT-2's pattern run by java.util.regex (the reference). */
class Gpt2PreTokenizerTest {

    static List<String> regex(String text) {
        var out = new ArrayList<String>();
        Gpt2PreTokenizer.forEachChunkRegex(text, 0, text.length(), out::add);
        return out;
    }

    @Test
    void splitsLikeGpt2() {
        // by hand from the six rules: contractions, letters, digits, others, spaces before a word, spaces
        assertThat(Gpt2PreTokenizer.split("Hello world, it's 2024!!\n\n  Yes"))
                .containsExactly("Hello", " world", ",", " it", "'s", " 2024", "!!", "\n\n ", " Yes");
        assertThat(Gpt2PreTokenizer.split("we'll  'LL'll")).containsExactly("we", "'ll", " ", " '", "LL", "'ll");
        // a combining mark is not a letter in GPT-2's pattern: it splits off as "other"
        assertThat(Gpt2PreTokenizer.split("cafe\u0301 x")).containsExactly("cafe", "\u0301", " x");
        assertThat(Gpt2PreTokenizer.split("a\u00a0b\u3000 c  ")).containsExactly("a", "\u00a0", "b", "\u3000", " c", "  ");
    }

    @Test
    void scannerEqualsTheRegexOnEveryGoldenStringAndTheExcerpt() throws Exception {
        for (JsonNode c : Gpt2Fixtures.golden().get("cases")) {
            String text = c.get("text").asText();
            assertThat(Gpt2PreTokenizer.split(text)).as(text).isEqualTo(regex(text));
        }
        String excerpt = java.nio.file.Files.readString(Gpt2Fixtures.DIR.resolve("shakespeare-excerpt.txt"));
        assertThat(Gpt2PreTokenizer.split(excerpt)).isEqualTo(regex(excerpt));
    }

    @Test
    void regionsAreStandaloneTexts() {
        String text = "ab  cd'sx";
        for (int from = 0; from <= text.length(); from++) {
            for (int to = from; to <= text.length(); to++) {
                var fast = new ArrayList<String>();
                var ref = new ArrayList<String>();
                Gpt2PreTokenizer.forEachChunk(text, from, to, fast::add);
                Gpt2PreTokenizer.forEachChunkRegex(text, from, to, ref::add);
                assertThat(fast).as(from + ".." + to).isEqualTo(ref);
            }
        }
    }

    /** Strings over the characters where the rules meet: quotes, contraction letters, all kinds of space. */
    @Provide
    Arbitrary<String> tricky() {
        return Arbitraries.of("'", "s", "t", "r", "e", "v", "l", "m", "d", "S", "L", " ", " ", "  ", "\t", "\n", "\r",
                "\u00a0", "\u3000", "\u2009", "\u2028", "\u0085", "\u000b", "\u001f", "\u200b", "1", "\u0663", "\u00bd",
                "\u2167", ".", "!", "\u0301", "\u00e9", "\u4e2d", "\uD83D\uDE00", "\uD835\uDC00", "\uD800\uDFE1", "<", "|", "\u00ad")
                .list().ofMaxSize(24).map(l -> String.join("", l));
    }

    @Property(tries = 3000)
    void scannerEqualsTheRegexOnTrickyStrings(@ForAll("tricky") String text) {
        assertThat(Gpt2PreTokenizer.split(text)).isEqualTo(regex(text));
    }

    @Property(tries = 1000)
    void scannerEqualsTheRegexOnAnyString(@ForAll String text) {
        assertThat(Gpt2PreTokenizer.split(text)).isEqualTo(regex(text));
    }

    @Test
    void everyCodePointIsClassifiedAsTheRegexClassifiesIt() {
        for (int c = 0; c < 0x110000; c++) {
            if (c >= 0xD800 && c <= 0xDFFF) {
                continue;
            }
            String s = "a" + new String(Character.toChars(c)) + "a";
            assertThat(Gpt2PreTokenizer.split(s)).as("U+%04X", c).isEqualTo(regex(s));
        }
    }
}
