package dev.quill.data;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PreTokenizerTest {

    @Test
    void splitsWordsNumbersPunctuationAndSpacesLikeGpt2() {
        // Worked out by hand from the five rules in PreTokenizer's Javadoc.
        assertThat(PreTokenizer.split("Hello world, it's 2024!!\n\n  Yes"))
                .containsExactly("Hello", " world", ",", " it", "'", "s", " 2024", "!!", "\n\n ", " Yes");
    }

    @Test
    void trailingWhitespaceStaysInOneChunk() {
        assertThat(PreTokenizer.split("end.  \n")).containsExactly("end", ".", "  \n");
    }

    @Test
    void singleNewlineBeforeAWordIsItsOwnChunk() {
        assertThat(PreTokenizer.split("a\nb")).containsExactly("a", "\n", "b");
    }

    @Test
    void combiningMarksStayWithTheirLetterAndUnicodeSpacesAreSpaces() {
        assertThat(PreTokenizer.split("cafe\u0301 ok")).containsExactly("cafe\u0301", " ok");
        // U+3000 (ideographic space) is Unicode whitespace, so it never glues onto a word
        assertThat(PreTokenizer.split("\u6771\u3000\u4eac")).containsExactly("\u6771", "\u3000", "\u4eac");
    }

    @Test
    void emojiAndSurrogatePairsAreSymbolsAndNeverCutInHalf() {
        assertThat(PreTokenizer.split("hi \uD83D\uDE00\uD83D\uDE00!")).containsExactly("hi", " \uD83D\uDE00\uD83D\uDE00!");
    }

    @Property(tries = 300)
    void chunksConcatenateBackToTheText(@ForAll String text) {
        assertThat(String.join("", PreTokenizer.split(text))).isEqualTo(text);
    }
}
