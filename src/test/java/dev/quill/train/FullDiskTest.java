package dev.quill.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quill.autograd.Rng;
import dev.quill.config.ModelConfig;
import dev.quill.config.TrainConfig;
import dev.quill.data.CharTokenizer;
import dev.quill.data.TokenSplit;
import dev.quill.data.Tokens;
import dev.quill.model.Checkpoint;
import dev.quill.model.CheckpointChecksums;
import dev.quill.model.Gpt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A checkpoint that cannot be written completely (the disk fills up) stops the run in one line, leaves the
 * previous {@code last/} and {@code best/} complete and loadable, and {@code --resume} finishes the run.
 */
class FullDiskTest {

    static CharTokenizer tokenizer;
    static TokenSplit split;

    @BeforeAll
    static void data() {
        String[] words = {"the ", "quill ", "writes ", "a ", "line ", "and ", "stops. ", "then ", "again\n"};
        Random r = new Random(3);
        StringBuilder text = new StringBuilder();
        while (text.length() < 20_000) {
            text.append(words[r.nextInt(words.length)]);
        }
        tokenizer = CharTokenizer.train(text.toString());
        split = TokenSplit.of(Tokens.of(tokenizer.encode(text.toString())), 0.1);
    }

    /** 12 steps, evaluated (and checkpointed) at steps 4, 8 and 12. */
    static Trainer trainer(Path out) {
        ModelConfig m = new ModelConfig(tokenizer.vocabSize(), 16, 1, 2, 16, 0.0, false, ModelConfig.Norm.LAYERNORM, 1e-5,
                ModelConfig.Positions.LEARNED, true, ModelConfig.Activation.GELU, 4);
        TrainConfig t = new TrainConfig(4, 12, 3e-3, 3e-4, 2, 12, "cosine", 0.1, 0.9, 0.99, 1e-8, 1.0, 1, 4, 2, 1,
                7, 0, 0.0, 3, 0, 0, "scratch");
        Gpt gpt = new Gpt(m, new Rng(t.seed()), DataType.FLOAT);
        return new Trainer(t, new GptTask(gpt, tokenizer), split.train(), split.val(), m.blockSize(), out);
    }

    /** What must hold after the failure: complete checkpoints of step 4, no partial directory. */
    static void assertStep4Intact(Path out) throws Exception {
        for (String name : new String[] {"last", "best"}) {
            Path dir = out.resolve(name);
            CheckpointChecksums.verify(dir);
            assertThat(Checkpoint.load(dir).parameterCount()).as(name).isPositive();
        }
        assertThat(TrainState.read(out.resolve("last")).step()).isEqualTo(4);
        try (Stream<Path> s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString())).as("no partial checkpoint left")
                    .noneMatch(n -> n.endsWith(".tmp") || n.endsWith(".old"));
        }
    }

    @Test
    void aCheckpointCutShortKeepsTheLastCompleteOneAndResumeFinishes(@TempDir Path out) throws Exception {
        Trainer first = trainer(out);
        first.addListener(new TrainListener() {
            @Override
            public void onStep(long step, long max, double loss, double lr, double tps) {
                if (step == 5) {
                    DiskFullSeam.capacityBytes = 1000;     // the next checkpoint (step 8) fails part-way
                }
            }
        });
        try {
            assertThatThrownBy(first::run).isInstanceOf(CheckpointWriteException.class)
                    .hasMessageStartingWith("cannot write checkpoint " + out.resolve("best") + ": No space left on device")
                    .hasMessageContaining(out.resolve("last") + " (step 4), is intact")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("Exception"));
        } finally {
            DiskFullSeam.capacityBytes = -1;
        }
        assertStep4Intact(out);
        Trainer.Result r = trainer(out).run(true);
        assertThat(r.step()).isEqualTo(12);
        CheckpointChecksums.verify(out.resolve("last"));
    }

    @Test
    void onARealFileSystemThatFillsUpTheRunStopsAndResumesOnceThereIsSpace(@TempDir Path tmp) throws Exception {
        try (TmpfsMount fs = TmpfsMount.mount(tmp.resolve("mnt"), 4 << 20)) {
            Path out = fs.dir().resolve("run");
            Trainer first = trainer(out);
            first.addListener(new TrainListener() {
                @Override
                public void onStep(long step, long max, double loss, double lr, double tps) {
                    if (step == 5) {
                        try {
                            fs.fill("filler.bin");          // someone else fills the disk
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                }
            });
            assertThatThrownBy(first::run).isInstanceOf(CheckpointWriteException.class)
                    .hasMessageContaining("No space left on device")
                    .hasMessageContaining(out.resolve("last") + " (step 4), is intact")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("Exception"));
            assertStep4Intact(out);
            Files.delete(fs.dir().resolve("filler.bin"));
            Trainer.Result r = trainer(out).run(true);
            assertThat(r.step()).isEqualTo(12);
            CheckpointChecksums.verify(out.resolve("last"));
        }
    }

    @Test
    void everyFileTrainingWritesIntoACheckpointIsListed(@TempDir Path out) throws Exception {
        trainer(out).run();
        try (Stream<Path> s = Files.list(out.resolve("last"))) {
            String listing = Files.readString(out.resolve("last").resolve(CheckpointChecksums.FILE));
            s.map(p -> p.getFileName().toString()).filter(n -> !n.equals(CheckpointChecksums.FILE))
                    .forEach(n -> assertThat(listing).as(n).contains("\"" + n + "\""));
        }
        assertThat(Files.readString(out.resolve("last").resolve(CheckpointChecksums.FILE)))
                .contains("optimizer.safetensors", "trainer_state.json", "tokenizer.json", "model.safetensors", "config.json");
    }

    @Test
    void resumeRefusesADamagedOptimizerState(@TempDir Path out) throws Exception {
        trainer(out).run();
        Path opt = out.resolve("last").resolve("optimizer.safetensors");
        byte[] b = Files.readAllBytes(opt);
        b[b.length - 2] ^= 0x10;
        Files.write(opt, b);
        assertThatThrownBy(() -> trainer(out).run(true)).isInstanceOf(dev.quill.config.BadInputException.class)
                .hasMessageStartingWith(opt + " is damaged");
    }
}
