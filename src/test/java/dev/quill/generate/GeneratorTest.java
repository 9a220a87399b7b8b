package dev.quill.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quill.config.BadInputException;
import dev.quill.config.ModelConfig;
import dev.quill.data.CharTokenizer;
import dev.quill.model.Gpt;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The generator against its oracle (the no-cache path, nanoGPT's loop) and its documented behaviour:
 * stop sequences across tokens, streaming, seeds, prompts that are empty, too long or out of vocabulary,
 * and batches.
 */
class GeneratorTest {

    private static final int BLOCK = 8;

    @ParameterizedTest
    @EnumSource(ModelConfig.Positions.class)
    void cachedLogitsEqualFullForwardAtEveryStepAlsoPastBlockSize(ModelConfig.Positions positions) {
        Gpt model = TinyModels.model(positions, BLOCK, 3);
        model.train(false);
        int[][] prompt = {{1, 5, 9}, {2, 6, 7}};
        var cached = new CachedRunner(model, prompt, BLOCK);
        var full = new FullRunner(model, prompt);
        assertClose(cached.start(), full.start(), "prompt");
        var rng = new dev.quill.autograd.Rng(5);
        for (int step = 0; step < 3 * BLOCK; step++) {
            int[] next = {rng.nextInt(TinyModels.CHARS.vocabSize()), rng.nextInt(TinyModels.CHARS.vocabSize())};
            assertClose(cached.append(next), full.append(next), "step " + step + ", context " + full.length());
            assertThat(cached.cacheLength()).isEqualTo(Math.min(cached.length(), BLOCK));
        }
    }

    @Test
    void smallerRefillKeepsFewerTokensAfterASlide() {
        Gpt model = TinyModels.model(ModelConfig.Positions.LEARNED, BLOCK, 3);
        model.train(false);
        var cached = new CachedRunner(model, new int[][] {{1, 2, 3, 4, 5, 6, 7, 8}}, 3);
        cached.start();
        cached.append(new int[] {9});                      // full: clear, re-feed the last 3 tokens 7, 8, 9
        assertThat(cached.cacheLength()).isEqualTo(3);
        float[][] afterSlide = cached.append(new int[] {10});
        var oracle = new FullRunner(model, new int[][] {{7, 8, 9, 10}});
        assertClose(afterSlide, oracle.start(), "refill 3");
    }

    @Test
    void theDefaultSlideKeepsHalfTheBlockAndIsNotTheExactCrop() {
        assertThat(CachedRunner.defaultRefill(BLOCK)).isEqualTo(BLOCK / 2);
        assertThat(CachedRunner.defaultRefill(1)).isEqualTo(1);
        Generator gen = TinyModels.generator(BLOCK, 7);
        var cfg = GenerationConfig.of(4 * BLOCK, new SampleConfig(1.5, 0, 1.0, 1.0, 11));
        assertThat(gen.generate("the cat", cfg).tokens())
                .containsExactly(gen.generate("the cat", cfg.withCacheRefill(BLOCK / 2)).tokens());
        // one token past a full window: the half-window logits are not the crop's
        Gpt model = TinyModels.model(ModelConfig.Positions.LEARNED, BLOCK, 3);
        model.train(false);
        int[][] prompt = {{1, 2, 3, 4, 5, 6, 7, 8}};
        var half = new CachedRunner(model, prompt, CachedRunner.defaultRefill(BLOCK));
        var full = new FullRunner(model, prompt);
        half.start();
        full.start();
        float[] a = half.append(new int[] {9})[0];
        float[] b = full.append(new int[] {9})[0];
        assertThat(half.cacheLength()).isEqualTo(BLOCK / 2);
        double diff = 0;
        for (int v = 0; v < a.length; v++) {
            diff = Math.max(diff, Math.abs(a[v] - b[v]));
        }
        assertThat(diff).isGreaterThan(1e-5);
    }

    @Test
    void greedyTextIsTheSameWithAndWithoutCachePastBlockSize() {
        Generator gen = TinyModels.generator(BLOCK, 7);
        var cfg = GenerationConfig.of(5 * BLOCK, SampleConfig.greedy()).withCacheRefill(BLOCK); // exact crop
        Completion cached = gen.generate("the cat", cfg);
        Completion full = gen.generate("the cat", cfg.withKvCache(false));
        assertThat(cached.tokens()).hasSize(5 * BLOCK).containsExactly(full.tokens());
        assertThat(cached.text()).isEqualTo(full.text());
    }

    @Test
    void aLaterCallReusesTheCacheArraysButReadsTheWeightsAsTheyAreNow() {
        Generator gen = TinyModels.generator(BLOCK, 7);
        var cfg = GenerationConfig.of(3 * BLOCK, new SampleConfig(1.5, 0, 1.0, 1.0, 42)).withCacheRefill(BLOCK);
        int[] before = gen.generate("the cat", cfg).tokens();
        assertThat(gen.generate("the cat", cfg).tokens()).containsExactly(before);        // the same arrays, cleared
        gen.model().parameters().get("transformer.wte.weight").value().divi(40);          // as training would change them
        int[] after = gen.generate("the cat", cfg).tokens();
        assertThat(after).isNotEqualTo(before);
        assertThat(after).containsExactly(gen.generate("the cat", cfg.withKvCache(false)).tokens());
        assertThat(gen.generate(List.of("ab", "cd"), cfg)).extracting(Completion::tokens)   // another batch: its own arrays
                .containsExactly(gen.generate("ab", cfg).tokens(), gen.generate("cd", cfg).tokens());
    }

    @Test
    void sameSeedSameTextOtherSeedOtherText() {
        Generator gen = TinyModels.generator(BLOCK, 7);
        var cfg = GenerationConfig.of(25, new SampleConfig(1.5, 0, 1.0, 1.0, 42)).withCacheRefill(BLOCK);
        String a = gen.generate("hello", cfg).text();
        assertThat(gen.generate("hello", cfg).text()).isEqualTo(a);
        assertThat(gen.generate("hello", cfg.withKvCache(false)).text()).isEqualTo(a);
        assertThat(gen.generate("hello", cfg.withSampling(cfg.sampling().withSeed(43))).text()).isNotEqualTo(a);
    }

    @Test
    void stopSequenceSpanningTokensEndsTheTextAndIsNeverStreamed() {
        Generator gen = TinyModels.generator(BLOCK, 7);
        var cfg = GenerationConfig.of(40, new SampleConfig(1.5, 0, 1.0, 1.0, 9));
        String free = gen.generate("to be", cfg).text();
        String stop = free.substring(12, 15);              // three characters: three tokens
        int at = free.indexOf(stop);
        var pieces = new ArrayList<String>();
        Completion c = gen.generate("to be", cfg.withStop(List.of("zzzz", stop)), pieces::add);
        assertThat(c.text()).isEqualTo(free.substring(0, at));
        assertThat(c.reason()).isEqualTo(Completion.Reason.STOP_SEQUENCE);
        assertThat(c.tokens()).hasSize(at + stop.length());
        assertThat(String.join("", pieces)).isEqualTo(c.text());
        assertThat(pieces).noneMatch(p -> p.contains(stop));
    }

    @Test
    void streamedPiecesConcatenateToTheText() {
        Generator gen = TinyModels.generator(BLOCK, 7);
        var pieces = new ArrayList<String>();
        Completion c = gen.generate("a", GenerationConfig.of(30, SampleConfig.defaults()).withStop(List.of("xyz!")), pieces::add);
        assertThat(String.join("", pieces)).isEqualTo(c.text());
        assertThat(c.reason()).isEqualTo(c.tokens().length == 30 ? Completion.Reason.MAX_TOKENS : Completion.Reason.STOP_SEQUENCE);
    }

    @Test
    void emptyPromptStartsFromNewlineOrTheConfiguredToken() {
        assertThat(PromptEncoder.encode(TinyModels.CHARS, "", -1, BLOCK)).containsExactly(0); // '\n' is id 0
        assertThat(PromptEncoder.encode(TinyModels.CHARS, "", 5, BLOCK)).containsExactly(5);
        assertThat(PromptEncoder.encode(CharTokenizer.train("xyz"), "", -1, BLOCK)).containsExactly(0);
        assertThat(PromptEncoder.encode(CharTokenizer.train("ab\n\t"), "", -1, BLOCK)).containsExactly(1); // after '\t'

        Generator gen = TinyModels.generator(BLOCK, 7);
        var cfg = GenerationConfig.of(10, SampleConfig.greedy());
        assertThat(gen.generate("", cfg).text()).isEqualTo(gen.generate("\n", cfg).text());
        assertThat(gen.generate("", cfg).promptTokens()).isEqualTo(1);
        assertThatThrownBy(() -> gen.generate("", cfg.withStartToken(999))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("start_token");
    }

    @Test
    void promptLongerThanBlockSizeKeepsItsLastBlockSizeTokens() {
        Generator gen = TinyModels.generator(BLOCK, 7);
        var cfg = GenerationConfig.of(12, SampleConfig.greedy());
        String longPrompt = "once upon a time there was";
        Completion c = gen.generate(longPrompt, cfg);
        assertThat(c.promptTokens()).isEqualTo(BLOCK);
        assertThat(c.text()).isEqualTo(gen.generate(longPrompt.substring(longPrompt.length() - BLOCK), cfg).text());
    }

    @Test
    void characterOutsideTheVocabularyIsABadInputNamingIt() {
        Generator gen = TinyModels.generator(BLOCK, 7);
        var cfg = GenerationConfig.of(5, SampleConfig.greedy());
        assertThatThrownBy(() -> gen.generate("hello World", cfg)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("W");
        assertThatThrownBy(() -> gen.generate(List.of("ok", "bad #"), cfg)).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("prompt 2: ").hasMessageContaining("#");
    }

    @Test
    void aBatchGivesWhatEachPromptGivesAlone() {
        Generator gen = TinyModels.generator(BLOCK, 7);
        var cfg = GenerationConfig.of(12, new SampleConfig(1.0, 10, 0.95, 1.2, 3)).withStop(List.of("e "));
        List<String> prompts = List.of("abc", "xyz", "hello", "", "a long prompt indeed");
        List<Completion> batch = gen.generate(prompts, cfg);
        for (int i = 0; i < prompts.size(); i++) {
            Completion alone = gen.generate(prompts.get(i), cfg);
            assertThat(batch.get(i).text()).as("prompt %d", i).isEqualTo(alone.text());
            assertThat(batch.get(i).tokens()).as("prompt %d", i).containsExactly(alone.tokens());
        }
    }

    @Test
    void zeroNewTokensIsEmpty() {
        Completion c = TinyModels.generator(BLOCK, 7).generate("ab", GenerationConfig.of(0, SampleConfig.greedy()));
        assertThat(c.text()).isEmpty();
        assertThat(c.tokens()).isEmpty();
    }

    @Test
    void beamWidthOneIsGreedy() {
        Generator gen = TinyModels.generator(BLOCK, 7);
        String greedy = gen.generate("the", GenerationConfig.of(3 * BLOCK, SampleConfig.greedy())).text();
        var beam = new BeamSearch(gen.model(), gen.tokenizer());
        assertThat(beam.search("the", new BeamSearch.Options(1, 3 * BLOCK, 0.6, -1)).text()).isEqualTo(greedy);
    }

    @Test
    void widerBeamsFindAtLeastAsLikelyASequence() {
        Generator gen = TinyModels.generator(BLOCK, 7);
        var beam = new BeamSearch(gen.model(), gen.tokenizer());
        var one = beam.search("the", new BeamSearch.Options(1, 6, 0.0, -1));
        var four = beam.search("the", new BeamSearch.Options(4, 6, 0.0, -1));
        assertThat(four.logProb()).isGreaterThanOrEqualTo(one.logProb() - 1e-6);
        assertThat(four.tokens()).hasSize(6);
    }

    private static void assertClose(float[][] a, float[][] b, String where) {
        double max = 0;
        for (int r = 0; r < a.length; r++) {
            for (int i = 0; i < a[r].length; i++) {
                max = Math.max(max, Math.abs(a[r][i] - b[r][i]));
            }
        }
        assertThat(max).as("max |cached - full| at %s", where).isLessThan(1e-4);
    }
}
