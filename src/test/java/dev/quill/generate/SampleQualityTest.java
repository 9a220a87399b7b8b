package dev.quill.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** distinct-1, distinct-2 and the repetition rate on strings counted by hand. */
class SampleQualityTest {

    @Test
    void handCountedExample() {
        // sample 1: "the cat the cat the cat"  words 6: the cat the cat the cat
        //   bigrams: the-cat, cat-the, the-cat, cat-the, the-cat (5);  trigrams: tct, ctt, tct, ctt (4), 2 repeats
        // sample 2: "a dog\n sat"              words 3: a dog sat; bigrams a-dog, dog-sat; trigrams: a-dog-sat (1)
        // pooled: 9 words, unique {the, cat, a, dog, sat} = 5 -> 5/9
        //         7 bigrams, unique {the-cat, cat-the, a-dog, dog-sat} = 4 -> 4/7
        //         5 trigrams, 2 repeated -> 2/5
        var q = SampleQuality.of(List.of("the cat the cat the cat", "a dog\n sat"));
        assertThat(q.samples()).isEqualTo(2);
        assertThat(q.words()).isEqualTo(9);
        assertThat(q.distinct1()).isCloseTo(5.0 / 9, within(1e-12));
        assertThat(q.distinct2()).isCloseTo(4.0 / 7, within(1e-12));
        assertThat(q.repetitionRate()).isCloseTo(2.0 / 5, within(1e-12));
    }

    @Test
    void bigramsDoNotCrossSamplesAndRepeatsAreCountedWithinASample() {
        // "x y" and "y x": bigrams x-y, y-x: 2 unique of 2 (a pooled text would add y-y); no trigrams at all
        var q = SampleQuality.of(List.of("x y", "y x"));
        assertThat(q.distinct1()).isEqualTo(0.5);
        assertThat(q.distinct2()).isEqualTo(1.0);
        assertThat(q.repetitionRate()).isZero();
        // the same trigram in two different samples is not a repetition
        assertThat(SampleQuality.of(List.of("a b c", "a b c")).repetitionRate()).isZero();
    }

    @Test
    void emptyTextsGiveZeros() {
        var q = SampleQuality.of(List.of("", "   "));
        assertThat(q.words()).isZero();
        assertThat(q.distinct1()).isZero();
        assertThat(q.distinct2()).isZero();
    }

    @Test
    void measuresGeneratedSamples() {
        Generator gen = TinyModels.generator(8, 7);
        var q = SampleQuality.measure(gen, List.of("a b", "c d"), GenerationConfig.of(10, SampleConfig.defaults()));
        assertThat(q.samples()).isEqualTo(2);
        assertThat(q.distinct1()).isBetween(0.0, 1.0);
    }
}
