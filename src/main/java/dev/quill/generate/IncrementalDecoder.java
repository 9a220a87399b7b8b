package dev.quill.generate;

import dev.quill.data.BpeTokenizer;
import dev.quill.data.Tokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns generated ids into text one id at a time, emitting only complete characters. A byte-level BPE
 * token can end in the middle of a UTF-8 character (é is two bytes, an emoji four); its bytes wait here
 * until the character is complete, so a stream never shows half a character as U+FFFD.
 * {@link #flush()} releases whatever is left at the end (a truly broken sequence then decodes to U+FFFD).
 */
final class IncrementalDecoder {

    private final Tokenizer tokenizer;
    private final BpeTokenizer bpe;                  // null for tokenizers whose ids are whole characters
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    IncrementalDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.bpe = tokenizer instanceof BpeTokenizer b ? b : null;
    }

    /** The text completed by one more id (possibly empty). */
    String push(int id) {
        if (bpe == null) {
            return tokenizer.decode(new int[] {id});
        }
        pending.writeBytes(bpe.decodeBytes(new int[] {id}));
        byte[] bytes = pending.toByteArray();
        int complete = completePrefix(bytes);
        pending.reset();
        pending.write(bytes, complete, bytes.length - complete);
        return new String(bytes, 0, complete, StandardCharsets.UTF_8);
    }

    /** Everything still held back, decoded as it is. */
    String flush() {
        byte[] bytes = pending.toByteArray();
        pending.reset();
        return new String(bytes, StandardCharsets.UTF_8);
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
