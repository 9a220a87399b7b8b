package dev.quill.data;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DataReportTest {

    @Test
    void countsCharactersTokensAndDuplicateLines() {
        String text = "to be\nor not\n\nto be\n\uD83D\uDE00\nto be\n";
        var tok = CharTokenizer.train(text);
        var report = DataReport.of(text, tok.encode(text), tok);
        // 6 lines, 5 non-empty, "to be" twice more: 2 duplicates, 2/5 = 0.4; the emoji is 1 character
        assertThat(report.lines()).isEqualTo(6);
        assertThat(report.duplicateLines()).isEqualTo(2);
        assertThat(report.duplicateLineShare()).isEqualTo(0.4);
        assertThat(report.characters()).isEqualTo(text.length() - 1);
        assertThat(report.tokens()).isEqualTo(report.characters());
        assertThat(report.vocabSize()).isEqualTo(tok.vocabSize());
        assertThat(report.toString()).contains("2 duplicate lines (40.0% of non-empty)");
    }

    @Test
    void removingDuplicatesKeepsFirstCopiesAndBlankLines() {
        assertThat(DuplicateLines.remove("a\nb\n\na\nc\n\nb")).isEqualTo("a\nb\n\nc\n");
        assertThat(DuplicateLines.remove("x\nx\n")).isEqualTo("x\n");
        assertThat(DuplicateLines.count(DuplicateLines.remove("a\nb\n\na\nc\n\nb")).duplicates()).isZero();
    }

    @Test
    void tinyShakespeareHasManyRepeatedSpeakerLines() {
        var counts = DuplicateLines.count(TestData.tinyShakespeare());
        // Independent count: wc -l gives 40,000 lines; awk 'length($0) > 0 {n++; if (seen[$0]++) d++}'
        // gives 32,777 non-empty lines of which 7,056 repeat an earlier one (speaker names like "ROMEO:").
        assertThat(counts.lines()).isEqualTo(40_000);
        assertThat(counts.nonEmptyLines()).isEqualTo(32_777);
        assertThat(counts.duplicates()).isEqualTo(7_056);
    }
}
