package dev.quill.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.quill.autograd.Rng;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.ModelConfig;
import dev.quill.data.CharTokenizer;
import dev.quill.model.Gpt;
import dev.quill.model.Safetensors;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The evaluator against PyTorch (tools/reference/gpt_reference.py, eval_fixture): a trained fixture model,
 * its text, and the loss, token and window counts of each split computed by torch. An oracle that is not Quill.
 */
class EvaluatorTest {

    private static Path dir;
    private static JsonNode expected;
    private static Gpt model;
    private static CharTokenizer tokenizer;

    @BeforeAll
    static void load() throws Exception {
        dir = resource("reference/eval");
        expected = new ObjectMapper().readTree(Files.readString(dir.resolve("expected.json")));
        var contents = Safetensors.read(dir.resolve("model.safetensors"));
        ModelConfig cfg = ModelConfig.fromJson(ConfigJson.MAPPER.readTree(contents.metadata().get("config")),
                ModelConfig.shakespeareCharBaby());
        model = new Gpt(cfg, new Rng(0), DataType.FLOAT);
        model.loadState(contents.tensors(), false, "eval/model.safetensors");
        // the fixture's tokenizer: sorted distinct characters of the text
        tokenizer = CharTokenizer.train(Files.readString(dir.resolve("text.txt")));
        assertThat(tokenizer.vocabSize()).isEqualTo(expected.get("vocab_size").asInt());
    }

    @ParameterizedTest
    @EnumSource(EvalSplit.class)
    void matchesPyTorchOnEverySplit(EvalSplit split) {
        JsonNode want = expected.get(split.toString());
        EvalResult got = new Evaluator(model, tokenizer, 7).evaluate(dir.resolve("text.txt"), split, 0.1);
        assertThat(got.tokens()).isEqualTo(want.get("tokens").asLong());
        assertThat(got.windows()).isEqualTo(want.get("windows").asLong());
        double loss = want.get("loss").asDouble();
        assertThat(got.loss()).as("%s loss", split).isCloseTo(loss, within(1e-5 * loss));
        assertThat(got.perplexity()).isCloseTo(want.get("perplexity").asDouble(), within(1e-5 * got.perplexity()));
        assertThat(got.split()).isEqualTo(split.toString());
    }

    @Test
    void splitRangesAreTheIssuesDefinition() {
        long n = expected.get("n_tokens").asLong();
        for (EvalSplit s : EvalSplit.values()) {
            JsonNode want = expected.get(s.toString());
            assertThat(s.range(n, 0.1)).containsExactly(want.get("begin").asLong(), want.get("end").asLong());
        }
        assertThat(EvalSplit.VAL.range(1_115_394, 0.1)[0]).isEqualTo(1_003_854);  // tiny Shakespeare
    }

    @Test
    void batchSizeDoesNotChangeTheFigures() {
        EvalResult one = new Evaluator(model, tokenizer, 1).evaluate(dir.resolve("text.txt"), EvalSplit.VAL, 0.1);
        EvalResult many = new Evaluator(model, tokenizer, 32).evaluate(dir.resolve("text.txt"), EvalSplit.VAL, 0.1);
        assertThat(many.loss()).isCloseTo(one.loss(), within(1e-6));
        assertThat(many.windows()).isEqualTo(one.windows());
    }

    @Test
    void badInputsSayWhatIsWrong() {
        var ev = new Evaluator(model, tokenizer, 4);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ev.evaluate("abc", EvalSplit.ALL, 0.1))
                .isInstanceOf(BadInputException.class).hasMessageContaining("block_size");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> EvalSplit.parse("test"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("eval.split");
    }

    static Path resource(String name) throws URISyntaxException {
        return Path.of(EvaluatorTest.class.getClassLoader().getResource(name).toURI());
    }
}
