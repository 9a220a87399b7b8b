package dev.quill.data;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's pre-split: the chunks that its byte-pair merges never cross. At each position the first
 * rule that matches wins:
 * <ol>
 *   <li>an English contraction suffix, case-sensitive as in GPT-2: {@code 's 't 're 've 'm 'll 'd}
 *       (so {@code "IT'S"} splits as {@code IT ' S});</li>
 *   <li>an optional space and letters ({@code \p{L}}; a combining mark is not a letter);</li>
 *   <li>an optional space and digits ({@code \p{N}});</li>
 *   <li>an optional space and other characters (not whitespace, letter or digit);</li>
 *   <li>a whitespace run that is not followed by a non-space: a run before a word gives up its last
 *       character, which becomes the word's leading space;</li>
 *   <li>any remaining whitespace.</li>
 * </ol>
 * Whitespace is Unicode {@code White_Space}; only U+0020 can be the optional leading space.
 *
 * <p>Two implementations that a test holds equal: {@link #REGEX}, GPT-2's pattern for
 * {@code java.util.regex}, is the reference; {@link #forEachChunk} is a hand-written scanner over
 * code points that does the same in one pass without backtracking (four to ten times faster on tiny
 * Shakespeare: bench/compare-tokenizers.sh).
 */
public final class Gpt2PreTokenizer {

    /** GPT-2's pattern, with Unicode classes. */
    public static final String PATTERN =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** The reference implementation: {@link #PATTERN} with {@code \s} as Unicode whitespace. */
    static final Pattern REGEX = Pattern.compile(PATTERN, Pattern.UNICODE_CHARACTER_CLASS);

    private static final byte OTHER = 0;
    private static final byte LETTER = 1;
    private static final byte NUMBER = 2;
    private static final byte SPACE = 3;
    private static final byte[] BMP = new byte[65536];

    static {
        for (int c = 0; c < 65536; c++) {
            BMP[c] = classify(c);
        }
    }

    private Gpt2PreTokenizer() {
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

    /** The reference split of {@code text[from, to)}, with {@link #REGEX}. */
    static void forEachChunkRegex(String text, int from, int to, Consumer<String> sink) {
        Matcher m = REGEX.matcher(text);
        m.region(from, to); // opaque bounds: the look-ahead sees 'to' as the end of the text
        while (m.find()) {
            sink.accept(m.group());
        }
    }

    /** Calls {@code sink} with each chunk of {@code text[from, to)}, in order: the fast scanner. */
    static void forEachChunk(String text, int from, int to, Consumer<String> sink) {
        int i = from;
        while (i < to) {
            int end = chunkEnd(text, i, to);
            sink.accept(text.substring(i, end));
            i = end;
        }
    }

    /** Where the chunk that starts at {@code i} ends (exclusive); {@code i < to}. */
    private static int chunkEnd(String text, int i, int to) {
        char c = text.charAt(i);
        if (c == '\'' && i + 1 < to) {
            int n = contraction(text, i + 1, to);
            if (n > 0) {
                return i + 1 + n;
            }
        }
        int start = i;
        if (c == ' ' && i + 1 < to) {
            byte next = classAt(text, i + 1);
            if (next != SPACE) { // " " then a letter, digit or other character: rules 2-4 with the space
                return run(text, i + 1, to, next);
            }
        }
        byte kind = classAt(text, start);
        if (kind != SPACE) {
            return run(text, start, to, kind);
        }
        int end = run(text, start, to, SPACE);
        if (end == to) {
            return end; // rule 5: nothing follows the run
        }
        // rule 5 gives up the run's last character for the word after it; a run of one is rule 6
        int last = Character.offsetByCodePoints(text, end, -1);
        return last > start ? last : end;
    }

    /** The length of a contraction suffix after an apostrophe at {@code i - 1}, or 0. */
    private static int contraction(String text, int i, int to) {
        char a = text.charAt(i);
        if (a == 's' || a == 't' || a == 'm' || a == 'd') {
            return 1;
        }
        if (i + 1 < to) {
            char b = text.charAt(i + 1);
            if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                return 2;
            }
        }
        return 0;
    }

    /** The end of the run of characters of class {@code kind} starting at {@code i}. */
    private static int run(String text, int i, int to, byte kind) {
        while (i < to) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) {
                if (BMP[c] != kind) {
                    return i;
                }
                i++;
            } else {
                int cp = text.codePointAt(i);
                if (classify(cp) != kind) {
                    return i;
                }
                i += Character.charCount(cp);
            }
        }
        return to;
    }

    private static byte classAt(String text, int i) {
        char c = text.charAt(i);
        return Character.isSurrogate(c) ? classify(text.codePointAt(i)) : BMP[c];
    }

    /** The class of a code point, with the definitions java.util.regex uses for Unicode classes. */
    static byte classify(int cp) {
        int type = Character.getType(cp);
        switch (type) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER -> {
                return LETTER;
            }
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER -> {
                return NUMBER;
            }
            case Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR -> {
                return SPACE;
            }
            default -> {
                // White_Space also holds the controls TAB..CR and NEL
                return (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 ? SPACE : OTHER;
            }
        }
    }
}
