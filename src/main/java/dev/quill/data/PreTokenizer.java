package dev.quill.data;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GPT-2-style pre-split that runs before byte-pair encoding: text is cut into chunks and BPE merges
 * never cross a chunk boundary, so " the" can become one token but "e t" never does.
 *
 * <p>A chunk is, trying each rule in order at the current position:
 * <ol>
 *   <li>letters ({@code \p{L}}, with combining marks {@code \p{M}}) with an optional leading space;</li>
 *   <li>digits ({@code \p{N}}) with an optional leading space;</li>
 *   <li>other symbols and punctuation (not whitespace, letter, mark or digit), with an optional
 *       leading space;</li>
 *   <li>a whitespace run not followed by a non-space, i.e. the run minus its last character when a
 *       word follows (that last space then joins the word as its leading space);</li>
 *   <li>any remaining whitespace run.</li>
 * </ol>
 * Whitespace is Unicode {@code White_Space}. Differences from GPT-2's pattern, on purpose: no special
 * rules for English contractions ({@code 's}, {@code 't}...), and combining marks stay with their
 * letters so decomposed accents are not split off as punctuation.
 *
 * <p>Every character belongs to exactly one chunk, so the chunks concatenate back to the text.
 */
public final class PreTokenizer {

    /** The chunk pattern; {@code UNICODE_CHARACTER_CLASS} makes {@code \s} mean Unicode whitespace. */
    static final Pattern CHUNK = Pattern.compile(
            " ?[\\p{L}\\p{M}]+| ?\\p{N}+| ?[^\\s\\p{L}\\p{M}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private PreTokenizer() {
    }

    /**
     * @param text any text
     * @return its chunks, in order; their concatenation is {@code text}
     */
    public static List<String> split(String text) {
        var chunks = new ArrayList<String>();
        forEachChunk(text, 0, text.length(), chunks::add);
        return chunks;
    }

    /** Calls {@code sink} with each chunk of {@code text[from, to)}, in order. */
    static void forEachChunk(String text, int from, int to, Consumer<String> sink) {
        Matcher m = CHUNK.matcher(text);
        m.region(from, to);
        // transparent bounds would let the look-ahead peek past 'to'; opaque keeps each region standalone
        while (m.find()) {
            sink.accept(m.group());
        }
    }
}
