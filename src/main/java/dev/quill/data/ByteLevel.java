package dev.quill.data;

import java.io.ByteArrayOutputStream;

/**
 * GPT-2's byte-to-unicode table: each of the 256 byte values gets one printable character, so a
 * token's bytes can be written as a string in {@code vocab.json} and {@code merges.txt}.
 *
 * <p>The 188 bytes that are printable as Latin-1 ({@code '!'..'~'}, {@code '¡'..'¬'},
 * {@code '®'..'ÿ'}) stand for themselves; the other 68 (controls, space, DEL, NBSP, soft hyphen) take
 * the characters U+0100, U+0101, ... in byte order. So the space byte 0x20 is {@code 'Ġ'} (U+0120) and
 * the newline 0x0A is {@code 'Ċ'} (U+010A), which is why GPT-2's vocabulary is full of {@code Ġthe}.
 */
final class ByteLevel {

    private static final char[] TO_CHAR = new char[256];
    private static final int[] TO_BYTE = new int[324]; // chars used are below U+0144

    static {
        java.util.Arrays.fill(TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            TO_CHAR[b] = c;
            TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** {@return the character that stands for byte {@code b} (0..255)} */
    static char toChar(int b) {
        return TO_CHAR[b & 0xFF];
    }

    /** {@return the byte that character {@code c} stands for, or -1 when it stands for none} */
    static int toByte(int c) {
        return c >= 0 && c < TO_BYTE.length ? TO_BYTE[c] : -1;
    }

    /** {@return the table's string for {@code bytes}, one character per byte} */
    static String encode(byte[] bytes) {
        char[] out = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = TO_CHAR[bytes[i] & 0xFF];
        }
        return new String(out);
    }

    /**
     * The bytes a table string stands for.
     *
     * @param token a vocabulary entry
     * @return its bytes, or {@code null} when some character is outside the table (then the entry is
     *         plain text, such as {@code <|endoftext|>}, and stands for its own UTF-8)
     */
    static byte[] decode(String token) {
        var out = new ByteArrayOutputStream(token.length());
        for (int i = 0; i < token.length(); i++) {
            int b = toByte(token.charAt(i));
            if (b < 0) {
                return null;
            }
            out.write(b);
        }
        return out.toByteArray();
    }
}
