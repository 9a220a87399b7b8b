package dev.quill.data;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The first 20 merges on a fixed text, computed by an independent Python implementation
 * ({@code tools/bpe_golden/bpe_golden.py}: a hand-written pre-split scanner and a full recount per
 * merge) and committed under {@code src/test/resources/bpe/}.
 */
class GoldenMergesTest {

    @Test
    void firstMergesMatchTheIndependentPythonReference() throws IOException {
        String text = resource("golden_text.txt");
        var expected = new ArrayList<int[]>();
        for (String line : resource("golden_merges.txt").split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.trim().split(" ");
            assertThat(Integer.parseInt(f[0])).isEqualTo(expected.size());
            expected.add(new int[]{Integer.parseInt(f[1]), Integer.parseInt(f[2])});
        }
        assertThat(expected).hasSize(20);
        var tok = BpeTokenizer.train(text, BpeTokenizer.Options.of(256 + expected.size()));
        assertThat(tok.merges()).isDeepEqualTo(expected.toArray(int[][]::new));
    }

    @Test
    void goldenTextExercisesTheTieBreak() throws IOException {
        // several merges in the reference share a count, so hash order would show up as a mismatch
        List<String> counts = resource("golden_merges.txt").lines()
                .filter(l -> !l.startsWith("#")).map(l -> l.split(" ")[3]).toList();
        assertThat(counts.stream().filter("3"::equals).count()).isGreaterThan(5);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = GoldenMergesTest.class.getResourceAsStream("/bpe/" + name)) {
            assertThat(in).as("test resource bpe/%s", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
