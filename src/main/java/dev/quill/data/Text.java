package dev.quill.data;

import dev.quill.config.BadInputException;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/**
 * Text hygiene shared by the tokenizers and corpora: strict UTF-8 decoding, the check that a Java
 * string is well-formed Unicode, optional NFC normalisation, and human-readable positions.
 *
 * <p>Quill's policy on <b>unpaired surrogates</b> (a {@code char} in U+D800..U+DFFF without its
 * partner, which a Java {@code String} can hold but no UTF-8 file can): they are rejected with a
 * {@link BadInputException} naming the position, never replaced silently. Text read from a file
 * can never contain one, because the strict decoder refuses the bytes that would produce it.
 */
public final class Text {

    private Text() {
    }

    /**
     * Validates {@code text} and, when {@code nfc} is set, returns its NFC normal form.
     *
     * @param text any string
     * @param nfc  normalize to NFC
     * @return {@code text}, or its NFC form
     * @throws BadInputException if the text holds an unpaired surrogate
     */
    public static String prepare(String text, boolean nfc) {
        requireWellFormed(text);
        return nfc ? Normalizer.normalize(text, Normalizer.Form.NFC) : text;
    }

    /**
     * Checks that {@code text} is well-formed UTF-16, so that it has a UTF-8 encoding.
     *
     * @param text any string
     * @throws BadInputException at the first unpaired surrogate, naming its index
     */
    public static void requireWellFormed(String text) {
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++; // a proper pair: one supplementary code point
                continue;
            }
            throw new BadInputException(String.format(
                    "unpaired surrogate U+%04X at %s: the text is not valid Unicode; fix or drop that character",
                    (int) c, position(text, i)));
        }
    }

    /**
     * Decodes UTF-8 strictly: malformed or truncated input is an error naming the byte offset, never a
     * silent U+FFFD.
     *
     * @param bytes  UTF-8 text
     * @param source what the bytes are (a file name), for the message
     * @return the decoded text
     * @throws BadInputException for malformed or truncated UTF-8, naming the byte offset
     */
    public static String decodeUtf8(byte[] bytes, String source) {
        // Fast path: the JDK's bulk decoder (intrinsified, ~100x faster than a cold CharsetDecoder loop)
        // replaces malformed input by U+FFFD. No U+FFFD in the result means there was nothing to replace.
        String fast = new String(bytes, StandardCharsets.UTF_8);
        if (fast.indexOf('\uFFFD') < 0) {
            return fast;
        }
        // Slow path: a real U+FFFD in the text, or malformed input whose offset we must report.
        CharsetDecoder decoder = strictDecoder();
        CharBuffer out = CharBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8, (long) bytes.length + 1));
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isUnderflow()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            throw malformed(source, in.position());
        }
        out.flip();
        return out.toString();
    }

    /**
     * Decodes UTF-8 for display: each maximal ill-formed subpart becomes one U+FFFD (the Unicode
     * Standard's recommended practice, chapter 3, and what Python's {@code errors="replace"} and Rust's
     * {@code from_utf8_lossy} do). The JDK's own replacement differs on some inputs: it turns an encoded
     * surrogate {@code ED A0 80} into one U+FFFD where these give three.
     *
     * @param bytes any bytes
     * @return the text, with U+FFFD for the bytes that are not UTF-8
     */
    public static String decodeUtf8Lossy(byte[] bytes) {
        String fast = new String(bytes, StandardCharsets.UTF_8);
        if (fast.indexOf('\uFFFD') < 0) {
            return fast; // well-formed
        }
        var sb = new StringBuilder(bytes.length);
        int i = 0;
        while (i < bytes.length) {
            int b = bytes[i] & 0xFF;
            int need;
            int lo = 0x80;
            int hi = 0xBF; // the allowed range of the second byte
            if (b < 0x80) {
                sb.append((char) b);
                i++;
                continue;
            } else if (b >= 0xC2 && b <= 0xDF) {
                need = 1;
            } else if (b >= 0xE0 && b <= 0xEF) {
                need = 2;
                lo = b == 0xE0 ? 0xA0 : 0x80;
                hi = b == 0xED ? 0x9F : 0xBF;
            } else if (b >= 0xF0 && b <= 0xF4) {
                need = 3;
                lo = b == 0xF0 ? 0x90 : 0x80;
                hi = b == 0xF4 ? 0x8F : 0xBF;
            } else {
                sb.append('\uFFFD'); // a byte that never starts a character
                i++;
                continue;
            }
            int cp = b & (0x3F >> need);
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                int c = j < bytes.length ? bytes[j] & 0xFF : -1;
                if (c < (k == 0 ? lo : 0x80) || c > (k == 0 ? hi : 0xBF)) {
                    ok = false;
                    break;
                }
                cp = (cp << 6) | (c & 0x3F);
            }
            if (ok) {
                sb.appendCodePoint(cp);
            } else {
                sb.append('\uFFFD'); // the valid prefix i..j-1 is one maximal subpart
            }
            i = j;
        }
        return sb.toString();
    }

    /** A UTF-8 decoder that reports every malformed or unmappable sequence. */
    static CharsetDecoder strictDecoder() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    static BadInputException malformed(String source, long byteOffset) {
        return new BadInputException(String.format(
                "%s is not valid UTF-8: malformed byte sequence at byte offset %d; re-save the file as UTF-8",
                source, byteOffset));
    }

    static BadInputException malformed(String source, long byteOffset, CharacterCodingException cause) {
        BadInputException e = malformed(source, byteOffset);
        e.initCause(cause);
        return e;
    }

    /** "line 3, column 7 (index 120)": lines and columns count from 1, columns in code points. */
    static String position(String text, int index) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < index; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        int column = text.codePointCount(lineStart, index) + 1;
        return "line " + line + ", column " + column + " (index " + index + ")";
    }

    /** "'x' (U+0078)", or just the code for control and invisible characters. */
    static String describe(int codePoint) {
        String code = String.format("U+%04X", codePoint);
        if (Character.isISOControl(codePoint) || Character.isWhitespace(codePoint)
                || Character.getType(codePoint) == Character.FORMAT) {
            return code;
        }
        return "'" + new String(Character.toChars(codePoint)) + "' (" + code + ")";
    }
}
