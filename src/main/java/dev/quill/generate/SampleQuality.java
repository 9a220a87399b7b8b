package dev.quill.generate;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Numbers for generated samples beyond loss, so sampling settings can be compared by more than reading.
 * Words are the whitespace-separated pieces of each sample; n-grams never cross from one sample to the next.
 * <pre>
 *   distinct-1     = unique words / words                       over all samples pooled (Li et al., 2016)
 *   distinct-2     = unique word bigrams / word bigrams          over all samples pooled
 *   repetitionRate = sum_s (trigrams_s - unique trigrams_s) / sum_s trigrams_s
 * </pre>
 * distinct-n falls when samples are dull or alike; the repetition rate is the share of word trigrams that
 * repeat one seen earlier in the same sample, and rises when a sample loops. A ratio with nothing to count
 * is 0.
 *
 * @param samples        number of samples
 * @param words          words over all samples
 * @param distinct1      unique unigrams / unigrams
 * @param distinct2      unique bigrams / bigrams
 * @param repetitionRate repeated trigrams within a sample / trigrams
 */
public record SampleQuality(int samples, long words, double distinct1, double distinct2, double repetitionRate) {

    /**
     * @param texts the samples
     * @return their figures, as defined above
     */
    public static SampleQuality of(List<String> texts) {
        Set<String> unigrams = new HashSet<>();
        Set<String> bigrams = new HashSet<>();
        long words = 0;
        long bigramCount = 0;
        long trigramCount = 0;
        long repeatedTrigrams = 0;
        for (String text : texts) {
            String[] w = words(text);
            words += w.length;
            Set<String> trigramsHere = new HashSet<>();
            for (int i = 0; i < w.length; i++) {
                unigrams.add(w[i]);
                if (i >= 1) {
                    bigrams.add(w[i - 1] + ' ' + w[i]);
                    bigramCount++;
                }
                if (i >= 2) {
                    trigramCount++;
                    if (!trigramsHere.add(w[i - 2] + ' ' + w[i - 1] + ' ' + w[i])) {
                        repeatedTrigrams++;
                    }
                }
            }
        }
        return new SampleQuality(texts.size(), words, ratio(unigrams.size(), words), ratio(bigrams.size(), bigramCount),
                ratio(repeatedTrigrams, trigramCount));
    }

    /**
     * Generates one completion per prompt and measures them.
     *
     * @param generator the model to sample
     * @param prompts   one prompt per sample
     * @param cfg       the generation settings under test
     * @return the figures of the completions (prompts not included)
     */
    public static SampleQuality measure(Generator generator, List<String> prompts, GenerationConfig cfg) {
        List<String> texts = new ArrayList<>();
        for (Completion c : generator.generate(prompts, cfg)) {
            texts.add(c.text());
        }
        return of(texts);
    }

    private static String[] words(String text) {
        String t = text.strip();
        return t.isEmpty() ? new String[0] : t.split("\\s+");
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0.0 : (double) a / b;
    }

    @Override
    public String toString() {
        return String.format("%d samples, %d words: distinct-1 %.4f, distinct-2 %.4f, repetition %.4f", samples, words,
                distinct1, distinct2, repetitionRate);
    }
}
