package dev.quill.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.data.BpeTokenizer;
import org.junit.jupiter.api.Test;

/**
 * Streamed text from byte-level ids: characters are held until complete, and bytes that never form one
 * come out as U+FFFD, one per maximal ill-formed subpart. The expected strings are Python's
 * {@code bytes.decode("utf-8", "replace")} of the same bytes: b'\xe2\x82A' -> '\ufffdA',
 * b'\xed\xa0\x80' -> three '\ufffd', b'\xf0\x9f\x98' -> one '\ufffd'.
 */
class IncrementalDecoderTest {

    /** A BPE tokenizer without merges: id b is the byte b. */
    static final BpeTokenizer BYTES = BpeTokenizer.train("abc", BpeTokenizer.Options.of(256));

    static String stream(int... bytes) {
        IncrementalDecoder d = new IncrementalDecoder(BYTES);
        StringBuilder out = new StringBuilder();
        for (int b : bytes) {
            out.append(d.push(b));
        }
        return out.append(d.flush()).toString();
    }

    @Test
    void completeCharactersWaitForTheirLastByte() {
        IncrementalDecoder d = new IncrementalDecoder(BYTES);
        assertThat(d.push(0xC3)).isEmpty();
        assertThat(d.push(0xA9)).isEqualTo("é");
        assertThat(stream(0xF0, 0x9F, 0x98, 0x80, 'x')).isEqualTo("😀x");
    }

    @Test
    void malformedBytesBecomeOneReplacementPerMaximalSubpart() {
        assertThat(stream(0xE2, 0x82, 'A')).isEqualTo("\uFFFDA");
        assertThat(stream(0xED, 0xA0, 0x80)).isEqualTo("\uFFFD\uFFFD\uFFFD");
        assertThat(stream(0xF0, 0x9F, 0x98)).isEqualTo("\uFFFD");
        assertThat(stream('a', 0x80, 'b')).isEqualTo("a\uFFFDb");
    }
}
