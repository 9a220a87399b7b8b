package dev.quill.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.ModelConfig;
import dev.quill.config.TrainConfig;
import dev.quill.data.Batch;
import dev.quill.data.CharTokenizer;
import dev.quill.data.TestData;
import dev.quill.data.RandomWindowSampler;
import dev.quill.data.TokenSplit;
import dev.quill.data.Tokens;
import dev.quill.model.Checkpoint;
import dev.quill.model.Gpt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The trainer on a tiny GPT over the first 30,000 characters of tiny Shakespeare. */
class TrainerTest {

    static CharTokenizer tokenizer;
    static TokenSplit split;

    @BeforeAll
    static void data() {
        String text = TestData.excerpt().substring(0, 30_000);
        tokenizer = CharTokenizer.train(text);
        split = TokenSplit.of(Tokens.of(tokenizer.encode(text)), 0.1);
    }

    static ModelConfig model(double dropout) {
        return new ModelConfig(tokenizer.vocabSize(), 16, 1, 2, 16, dropout, false, ModelConfig.Norm.LAYERNORM, 1e-5,
                ModelConfig.Positions.LEARNED, true, ModelConfig.Activation.GELU, 4);
    }

    /** batch 4, lr 3e-3, warmup 2, cosine to 20, clip 1, eval every 4 steps on 2 batches, log every step. */
    static TrainConfig train(int maxIters, int accum, int batch, int checkpointInterval) {
        return new TrainConfig(batch, maxIters, 3e-3, 3e-4, 2, 20, "cosine", 0.1, 0.9, 0.99, 1e-8, 1.0, accum, 4, 2, 1,
                7, 0, 0.0, 3, checkpointInterval, 0, "scratch");
    }

    static Trainer trainer(TrainConfig t, ModelConfig m, Path out) {
        Gpt gpt = new Gpt(m, new Rng(t.seed()), DataType.FLOAT);
        return new Trainer(t, new GptTask(gpt, tokenizer), split.train(), split.val(), m.blockSize(), out);
    }

    static List<Double> losses(Path out) throws Exception {
        List<Double> l = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            l.add(ConfigJson.MAPPER.readTree(line).get("train_loss").asDouble());
        }
        return l;
    }

    @Test
    void lossFallsAndTheOutputDirectoryHasEverything(@TempDir Path out) throws Exception {
        Trainer.Result r = trainer(train(30, 1, 8, 0), model(0.0), out).run();
        assertThat(r.stop()).isEqualTo(Trainer.Stop.FINISHED);
        assertThat(r.step()).isEqualTo(30);
        List<Double> l = losses(out);
        assertThat(l).hasSize(30);
        assertThat(l.get(0)).isCloseTo(Math.log(tokenizer.vocabSize()), within(0.3)); // a fresh model is near uniform
        assertThat(r.valLoss()).isLessThan(l.get(0) - 0.3);                               // and it learned something
        JsonNode evalLine = ConfigJson.MAPPER.readTree(Files.readAllLines(out.resolve("metrics.jsonl")).get(3));
        assertThat(evalLine.get("step").asInt()).isEqualTo(4);
        for (String key : List.of("train_loss", "train_loss_ema", "lr", "grad_norm", "tokens_per_sec", "elapsed_s", "val_loss", "val_ppl")) {
            assertThat(evalLine.has(key)).as(key).isTrue();
        }
        assertThat(evalLine.has("mfu")).as("no peak given, no MFU").isFalse();
        assertThat(Files.size(out.resolve("loss.png"))).isPositive();
        Path last = out.resolve("last");
        assertThat(last.resolve("optimizer.safetensors")).exists();
        assertThat(ConfigJson.MAPPER.readTree(last.resolve("trainer_state.json").toFile()).get("step").asLong()).isEqualTo(30);
        assertThat(out.resolve("best/model.safetensors")).exists();
        assertThat(Checkpoint.load(last).config()).isEqualTo(model(0.0));
        assertThat(last.resolve("tokenizer.json")).exists();
    }

    @Test
    void mfuIsModelFlopsPerSecondOverThePeak(@TempDir Path out) throws Exception {
        trainer(train(3, 1, 4, 0), model(0.0), out).peakGflops(0.25).run();
        long v = tokenizer.vocabSize(), c = 16, l = 1, t = 16;
        // 6N (N: wte, and per block 12C^2 + 2C without biases, ln_f) + 12 L C T
        double flopsPerToken = 6.0 * (v * c + l * (12 * c * c + 2 * c) + c) + 12.0 * l * c * t;
        List<String> lines = Files.readAllLines(out.resolve("metrics.jsonl"));
        assertThat(lines).hasSize(3);
        for (String line : lines) {
            JsonNode m = ConfigJson.MAPPER.readTree(line);
            double expected = m.get("tokens_per_sec").asDouble() * flopsPerToken / 1e9 / 0.25;
            assertThat(m.get("mfu").asDouble()).isCloseTo(expected, within(1e-12 * expected)).isPositive();
        }
    }

    @Test
    void resumeAfterAKillIsBitIdenticalWithDropout(@TempDir Path a, @TempDir Path b) throws Exception {
        ModelConfig m = model(0.2);
        trainer(train(12, 1, 4, 4), m, a).run();
        List<Double> uninterrupted = losses(a);

        // run c stops after step 4's checkpoint; then the lines a killed process would have left behind
        // (a later step and a partial line) are appended, as after a kill -9
        Path c = b;
        Trainer t = trainer(train(12, 1, 4, 4), m, c);
        t.addListener(new TrainListener() {
            @Override
            public void onStep(long step, long max, double loss, double lr, double tps) {
                if (step == 4) {
                    t.requestStop();
                }
            }
        });
        assertThat(t.run().stop()).isEqualTo(Trainer.Stop.INTERRUPTED);
        Files.writeString(c.resolve("metrics.jsonl"), "{\"step\":5,\"train_loss\":9.9}\n{\"step\":6,\"tra",
                java.nio.file.StandardOpenOption.APPEND);
        Trainer.Result resumed = trainer(train(12, 1, 4, 4), m, c).run(true);
        assertThat(resumed.step()).isEqualTo(12);
        assertThat(losses(c)).containsExactlyElementsOf(uninterrupted); // bit-identical, steps 1..12
    }

    @Test
    void accumulationEqualsOneBigBatch(@TempDir Path a, @TempDir Path b) throws Exception {
        // one update from 2 micro-batches of 4 and from one batch of 8 drawn from the same stream
        Trainer small = trainer(train(1, 2, 4, 0), model(0.0), a);
        Trainer big = trainer(train(1, 1, 8, 0), model(0.0), b);
        small.run();
        big.run();
        Map<String, INDArray> sa = Checkpoint.load(a.resolve("last")).parameters().entrySet().stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().value()));
        Checkpoint.load(b.resolve("last")).parameters().forEach((name, p) ->
                assertThat(p.value().sub(sa.get(name)).amaxNumber().doubleValue()).as(name).isLessThan(1e-6));
        // the samplers really drew the same windows: 8 offsets in one call equal 4 + 4 in two
        RandomWindowSampler s8 = RandomWindowSampler.create(split.train(), 8, 16, 7);
        RandomWindowSampler s4 = RandomWindowSampler.create(split.train(), 4, 16, 7);
        int[] all = s8.next().inputIds();
        int[] first = s4.next().inputIds();
        assertThat(java.util.Arrays.copyOf(all, first.length)).containsExactly(first);
    }

    @Test
    void divergenceSkipsUpdatesThenFailsWithoutACheckpoint(@TempDir Path out) {
        TrainConfig t = train(10, 1, 4, 1);
        Gpt gpt = new Gpt(model(0.0), new Rng(1), DataType.FLOAT);
        GptTask real = new GptTask(gpt, tokenizer);
        TrainTask poisoned = new TrainTask() {
            public dev.quill.model.Module module() { return real.module(); }
            public Tensor loss(Batch batch) { return real.loss(batch).mul(Double.NaN); }
            public Rng rng() { return real.rng(); }
            public void save(Path dir) throws java.io.IOException { real.save(dir); }
            public void load(Path dir) throws java.io.IOException { real.load(dir); }
        };
        Trainer trainer = new Trainer(t, poisoned, split.train(), split.val(), 16, out);
        assertThatThrownBy(trainer::run).isInstanceOf(TrainingFailedException.class)
                .hasMessageContaining("3 consecutive steps with a non-finite loss");
        assertThat(out.resolve("last")).doesNotExist();
    }

    @Test
    void earlyStoppingAndResumeWithoutCheckpoint(@TempDir Path out) throws Exception {
        // a learning rate this small cannot improve val loss by 1.0 per evaluation: stop after 2 evaluations
        TrainConfig t = new TrainConfig(4, 100, 1e-6, 1e-7, 0, 100, "cosine", 0.0, 0.9, 0.99, 1e-8, 1.0, 1, 2, 1, 1,
                7, 2, 1.0, 3, 0, 0, "scratch");
        Trainer.Result r = trainer(t, model(0.0), out).run();
        assertThat(r.stop()).isEqualTo(Trainer.Stop.EARLY_STOPPED);
        assertThat(r.step()).isEqualTo(6); // evaluations at 2 (best so far), 4 and 6 (no improvement of 1.0)
        assertThat(out.resolve("last/trainer_state.json")).exists();
        assertThatThrownBy(() -> trainer(t, model(0.0), out.resolve("empty")).run(true))
                .isInstanceOf(BadInputException.class).hasMessageContaining("no checkpoint to resume");
    }
}
