package dev.quill.generate;

import dev.quill.data.Text;
import dev.quill.data.Tokenizer;
import java.io.ByteArrayOutputStream;

/**
 * Turns generated ids into text one id at a time, emitting only complete characters. A byte-level BPE
 * token can end in the middle of a UTF-8 character (é is two bytes, an emoji four); its bytes wait here
 * until the character is complete, so a stream never shows half a character as U+FFFD.
 * {@link #flush()} releases whatever is left at the end. Bytes that can never form a character are shown
 * as U+FFFD, one per malformed sequence (as Python's {@code errors="replace"} does), never dropped.
 */
final class IncrementalDecoder {

    private final Tokenizer tokenizer;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    IncrementalDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The text completed by one more id (possibly empty). */
    String push(int id) {
        pending.writeBytes(tokenizer.decodeBytes(new int[] {id}));
        byte[] bytes = pending.toByteArray();
        int complete = completePrefix(bytes);
        pending.reset();
        pending.write(bytes, complete, bytes.length - complete);
        return Text.decodeUtf8Lossy(java.util.Arrays.copyOf(bytes, complete));
    }

    /** Everything still held back, decoded as it is. */
    String flush() {
        byte[] bytes = pending.toByteArray();
        pending.reset();
        return Text.decodeUtf8Lossy(bytes);
    }

    /**
     * Length of the longest prefix that does not end inside a UTF-8 character: if the last lead byte
     * (within the last 4 bytes) announces more continuation bytes than follow it, cut before it.
     */
    static int completePrefix(byte[] b) {
        int n = b.length;
        int i = n - 1;
        while (i >= 0 && n - i <= 4 && (b[i] & 0xC0) == 0x80) {
            i--;                                      // skip continuation bytes 10xxxxxx
        }
        if (i < 0 || n - i > 4) {
            return n;                                 // no lead byte in reach: not a character we can complete
        }
        int lead = b[i] & 0xFF;
        int need = lead >= 0xF0 && lead <= 0xF7 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        if (lead >= 0xF8) {
            need = 1;                                 // invalid lead: nothing to wait for
        }
        return n - i < need ? i : n;
    }
}
