package dev.quill.cli;

import static dev.quill.cli.CliTest.quill;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.cli.CliTest.Run;

import dev.quill.train.RunLock;
import dev.quill.train.TmpfsMount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the command line says when a directory is in use or the disk is full: one line, and its exit code. */
class RunSafetyCliTest {

    static Path text(Path dir) throws Exception {
        String[] words = {"to ", "be ", "or ", "not ", "that ", "is ", "the ", "question\n"};
        Random r = new Random(11);
        StringBuilder b = new StringBuilder();
        while (b.length() < 20_000) {
            b.append(words[r.nextInt(words.length)]);
        }
        Path f = dir.resolve("text.txt");
        Files.writeString(f, b);
        return f;
    }

    @Test
    void trainAndPipelineOnADirectoryInUseAreRefusedNamingTheProcess(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        String pid = "pid " + ProcessHandle.current().pid();
        try (RunLock held = RunLock.acquire(out)) {
            Run train = quill("train", "--config", CliTest.PRESETS, "--out", out.toString(), "--resume");
            assertThat(train.code()).as(train.err()).isEqualTo(2);
            assertThat(train.err().strip()).startsWith("quill: " + out + " is in use by another run (this process, " + pid)
                    .doesNotContain("\n");
            Run pipeline = quill("pipeline", "--config", "examples/sft/pipeline.json", "--out", out.toString());
            assertThat(pipeline.code()).as(pipeline.err()).isEqualTo(2);
            assertThat(pipeline.err().strip()).startsWith("quill: " + out + " is in use by another run").doesNotContain("\n");
        }
    }

    @Test
    void aDiskThatFillsUpStopsTheRunInOneLineWithExitOne(@TempDir Path dir) throws Exception {
        Path text = text(dir);
        try (TmpfsMount fs = TmpfsMount.mount(dir.resolve("mnt"), 2 << 20)) {
            Files.write(fs.dir().resolve("room.bin"), new byte[64 << 10]);
            fs.fill("filler.bin");
            Files.delete(fs.dir().resolve("room.bin"));          // 64 KB left: the run starts, a checkpoint does not fit
            Path out = fs.dir().resolve("run");
            Run r = quill("train", "--config", CliTest.PRESETS, "--data", text.toString(), "--out", out.toString(), "--set", "model.n_layer=1",
                    "--set", "model.n_embd=32", "--set", "model.block_size=16", "--set", "train.max_iters=4",
                    "--set", "train.eval_interval=2", "--set", "train.eval_iters=1", "--set", "train.batch_size=2");
            assertThat(r.code()).as(r.err()).isEqualTo(1);
            assertThat(r.errors()).as(r.err()).hasSize(1);
            assertThat(r.errors().get(0)).startsWith("quill: cannot write").contains("No space left on device")
                    .doesNotContain("Exception");
            assertThat(r.err()).doesNotContain("\tat ");
            assertThat(out.resolve("last")).doesNotExist();
            assertThat(out.resolve(".last.tmp")).doesNotExist();
        }
    }

    @Test
    void aModelThatCannotFitIsRefusedBeforeAnythingIsAllocated(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        for (String[] set : List.of(new String[]{"model.n_layer=10000", "model.n_layer = 10000 with model.n_embd = 128 cannot fit: training needs at least "},
                new String[]{"model.n_embd=1000000", "model.n_embd = 1000000 cannot fit: attn.c_attn.weight would hold "},
                new String[]{"model.vocab_size=2000000000", "model.vocab_size = 2000000000 cannot fit: wte.weight would hold "})) {
            long t0 = System.nanoTime();
            Run train = quill("train", "--config", "examples/shakespeare-char-baby.json", "--set", set[0], "--out", out.toString());
            assertThat(train.code()).as(train.err()).isEqualTo(2);
            assertThat(train.errors()).hasSize(1);
            assertThat(train.errors().get(0)).startsWith("quill: " + set[1]).contains(" GB");
            assertThat((System.nanoTime() - t0) / 1e9).as("refused from the config, before the data is read").isLessThan(10);
            assertThat(out.resolve("last")).doesNotExist();
        }
    }
}
