package dev.quill.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.data.BpeTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Streaming pieces: held back while they could start a stop string, and never half a UTF-8 character. */
class StreamingTest {

    @Test
    void holdsBackWhatCouldStartAStopString() {
        var s = new StopSequences(List.of("bcd"));
        assertThat(s.offer("ab")).isEqualTo("a");          // "b" could start "bcd"
        assertThat(s.offer("c")).isEmpty();                 // "bc" still could
        assertThat(s.offer("x")).isEqualTo("bcx");          // no longer
        assertThat(s.offer("bc")).isEmpty();
        assertThat(s.offer("de")).isEmpty();                 // the match ends the text, "e" after it is dropped
        assertThat(s.stopped()).isTrue();
        assertThat(s.text()).isEqualTo("abcx");
        assertThat(s.offer("more")).isEmpty();
        assertThat(s.finish()).isEmpty();
    }

    @Test
    void earliestOfSeveralStopStringsWinsAndTheTailIsReleasedAtTheEnd() {
        var s = new StopSequences(List.of("world", "lo"));
        assertThat(s.offer("hel")).isEqualTo("he");
        assertThat(s.offer("lo world")).isEqualTo("l");   // "lo" at 3 is earlier than "world" at 6
        assertThat(s.text()).isEqualTo("hel");
        var t = new StopSequences(List.of("END"));
        assertThat(t.offer("the EN")).isEqualTo("the ");
        assertThat(t.finish()).isEqualTo("EN");
        assertThat(t.text()).isEqualTo("the EN");
    }

    @Test
    void bpeBytesWaitUntilTheCharacterIsComplete() {
        // 256 ids, no merges: every byte is its own token, so é (C3 A9) and 😀 (F0 9F 98 80) span several
        var bpe = BpeTokenizer.train("plain text", BpeTokenizer.Options.of(256));
        var dec = new IncrementalDecoder(bpe);
        StringBuilder out = new StringBuilder();
        var pieces = new java.util.ArrayList<String>();
        for (int id : bpe.encode("aé😀b")) {
            String p = dec.push(id);
            pieces.add(p);
            out.append(p);
        }
        out.append(dec.flush());
        assertThat(pieces).containsExactly("a", "", "é", "", "", "", "😀", "b");
        assertThat(out.toString()).isEqualTo("aé😀b");
    }

    @Test
    void aBrokenTailIsFlushedAtTheEnd() {
        var bpe = BpeTokenizer.train("plain text", BpeTokenizer.Options.of(256));
        var dec = new IncrementalDecoder(bpe);
        assertThat(dec.push(0xE2)).isEmpty();                // the lead byte of a 3-byte character
        assertThat(dec.flush()).isEqualTo("\uFFFD");
        assertThat(IncrementalDecoder.completePrefix("é".getBytes(StandardCharsets.UTF_8))).isEqualTo(2);
        assertThat(IncrementalDecoder.completePrefix(new byte[] {'a', (byte) 0xC3})).isEqualTo(1);
        assertThat(IncrementalDecoder.completePrefix(new byte[] {(byte) 0x80, (byte) 0x80})).isEqualTo(2);
    }
}
