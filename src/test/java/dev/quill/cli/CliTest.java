package dev.quill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quill.config.ConfigJson;
import dev.quill.data.TestData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line in-process: outputs, exit codes, and one-line errors for each class of bad input. */
class CliTest {

    record Run(int code, String out, String err) {
        /** The lines the command itself printed as errors. */
        java.util.List<String> errors() {
            return err.lines().filter(l -> l.startsWith("quill:")).toList();
        }
    }

    static Run quill(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = QuillCommand.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A run config with no sections: the presets alone ({@code train} needs a --config). */
    static final String PRESETS = resource("/presets.json");

    static String resource(String name) {
        try {
            return Path.of(CliTest.class.getResource(name).toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @TempDir
    static Path dir;
    static Path text;
    static Path run;

    @BeforeAll
    static void trainATinyModel() throws Exception {
        text = dir.resolve("text.txt");
        Files.writeString(text, TestData.excerpt().substring(0, 20_000));
        run = dir.resolve("run");
        Run r = quill("train", "--config", PRESETS, "--data", text.toString(), "--out", run.toString(), "--set", "model.n_layer=1",
                "--set", "model.n_embd=32", "--set", "model.block_size=16", "--set", "train.max_iters=12",
                "--set", "train.eval_interval=6", "--set", "train.eval_iters=2", "--set", "train.batch_size=4");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode result = ConfigJson.MAPPER.readTree(r.out());
        assertThat(result.get("step").asInt()).isEqualTo(12);
        assertThat(result.get("val_loss").asDouble()).isFinite();
        assertThat(r.err()).contains("parameters:", "step 6 |", "val ", "GEMM peak: ", "| mfu ");
    }

    @Test
    void infoReportsTheConfigParametersAndTrainingState() throws Exception {
        Run r = quill("info", "--checkpoint", run.resolve("last").toString());
        assertThat(r.code()).isZero();
        JsonNode info = ConfigJson.MAPPER.readTree(r.out());
        assertThat(info.at("/model/n_embd").asInt()).isEqualTo(32);
        // V*C + T*C + L*(12C^2 + 2C) + C with V = the text's distinct characters
        long v = info.at("/model/vocab_size").asLong();
        assertThat(info.get("parameters").asLong()).isEqualTo(v * 32 + 16 * 32 + (12 * 32 * 32 + 2 * 32) + 32);
        assertThat(info.at("/training/step").asInt()).isEqualTo(12);
        assertThat(info.at("/tokenizer/type").asText()).isEqualTo("char");
        Run backend = quill("info", "--backend");
        assertThat(ConfigJson.MAPPER.readTree(backend.out()).at("/backend/backend").asText()).isEqualTo("CPU");
    }

    @Test
    void tokenizerEncodeAndDecodeRoundTrip() {
        String tok = run.resolve("last/tokenizer.json").toString();
        Run enc = quill("tokenizer", "encode", "--tokenizer", tok, "First Citizen");
        assertThat(enc.code()).isZero();
        assertThat(enc.out()).matches("(\\d+ )*\\d+\\R");
        String[] ids = enc.out().trim().split(" ");
        String[] args = new String[4 + ids.length];
        args[0] = "tokenizer";
        args[1] = "decode";
        args[2] = "--tokenizer";
        args[3] = tok;
        System.arraycopy(ids, 0, args, 4, ids.length);
        assertThat(quill(args).out()).isEqualTo("First Citizen");
        Run trained = quill("tokenizer", "train", "--type", "bpe", "--vocab-size", "300", "--data", text.toString(),
                "--out", dir.resolve("bpe.json").toString());
        assertThat(trained.code()).isZero();
        assertThat(quill("tokenizer", "decode", "--tokenizer", dir.resolve("bpe.json").toString(), "72", "105").out()).isEqualTo("Hi");
    }

    @Test
    void eachKindOfBadInputIsOneLineAndExitTwo() throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"train\": {\"max_iters\": }");
        Path badUtf8 = dir.resolve("bad.txt");
        Files.write(badUtf8, new byte[] {'a', 'b', (byte) 0xC3, (byte) 0x28, 'c'});
        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "");
        Path broken = Files.createDirectories(dir.resolve("broken-checkpoint"));
        Files.writeString(broken.resolve("config.json"), "{\"n_layer\": 1,\n  \"n_embd\" 32}");   // the 3 is column 12 of line 2
        String last = run.resolve("last").toString();
        String[][] cases = {
            {"--bogus"},
            {"nosuchcommand"},
            {"train", "--config", bad.toString()},
            {"train", "--config", PRESETS, "--set", "train.max_iter=3"},
            {"train", "--config", PRESETS, "--set", "train.max_iters=abc"},
            {"train", "--config", PRESETS, "--set", "model.dropout=1.5"},
            {"train", "--config", dir.resolve("missing.json").toString()},
            {"train", "--config", PRESETS, "--data", badUtf8.toString(), "--out", dir.resolve("o1").toString()},
            {"train", "--config", PRESETS, "--data", empty.toString(), "--out", dir.resolve("o2").toString()},
            {"train", "--resume", "--out", dir.resolve("nothing-here").toString()},
            {"info", "--checkpoint", dir.resolve("nope").toString()},
            {"tokenizer", "encode", "--tokenizer", run.resolve("last/tokenizer.json").toString(), "\u4e2d"},
            {"train", "--config", PRESETS, "--peak-gflops", "-3", "--data", text.toString(), "--out", dir.resolve("o3").toString()},
            {"train"},
            {"train", "--config", PRESETS, "--data", text.toString(), "--out", text.toString()},
            {"generate", "--checkpoint", run.toString()},
            {"evaluate", "--checkpoint", dir.resolve("nope").toString(), "--data", text.toString()},
            {"chat", "--checkpoint", text.toString()},
            {"info", "--checkpoint", dir.toString()},
            {"info", "--checkpoint", broken.toString()},
            {"generate", "--checkpoint", last, "--temperature", "-1"},
            {"generate", "--checkpoint", last, "--top-p", "2"},
            {"generate", "--checkpoint", last, "--weights", "int4"},
            {"evaluate", "--checkpoint", last, "--data", text.toString(), "--weights", "fp16"},
        };
        String[] expected = {"Unknown option", "Unmatched argument", "malformed JSON at line 1", "did you mean train.max_iters?",
            "train.max_iters must be an integer", "model.dropout = 1.5", "does not exist", "byte", "empty",
            "no checkpoint to resume", "nope does not exist", "U+4E2D", "--peak-gflops: -3.0 is not a rate",
            "train needs --config FILE", "is a file; give a directory",
            "is a run directory, not a checkpoint; did you mean " + last + " or " + run.resolve("best") + "?", "nope does not exist",
            "is a file; give a checkpoint directory", "is not a checkpoint: it has no config.json",
            "broken-checkpoint/config.json: malformed JSON at line 2, column 12", "temperature = -1.0", "top_p = 2.0",
            "--weights int4: must be f32 or int8", "--weights fp16: must be f32 or int8"};
        for (int i = 0; i < cases.length; i++) {
            Run r = quill(cases[i]);
            assertThat(r.code()).as("exit code of %s: %s", String.join(" ", cases[i]), r.err()).isEqualTo(2);
            assertThat(r.err().strip().lines().count()).as("one line for %s: %s", String.join(" ", cases[i]), r.err()).isEqualTo(1);
            assertThat(r.err()).as(String.join(" ", cases[i])).contains(expected[i]).doesNotContain("\tat ");
            assertThat(r.out()).isEmpty();
        }
    }

    @Test
    void int8WeightsGenerateAndEvaluateNearF32() throws Exception {
        String last = run.resolve("last").toString();
        Run gen = quill("generate", "--checkpoint", last, "--weights", "int8", "--temperature", "0", "--max-new-tokens", "20",
                "--prompt", "First");
        assertThat(gen.code()).as(gen.err()).isZero();
        assertThat(gen.out()).startsWith("First").hasSizeGreaterThan("First".length() + 10);
        JsonNode f32 = ConfigJson.MAPPER.readTree(quill("evaluate", "--checkpoint", last, "--data", text.toString(), "--json").out());
        Run r = quill("evaluate", "--checkpoint", last, "--data", text.toString(), "--json", "--weights", "int8");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode int8 = ConfigJson.MAPPER.readTree(r.out());
        assertThat(int8.get("weights").asText()).isEqualTo("int8");
        assertThat(f32.get("weights").asText()).isEqualTo("f32");
        double a = f32.get("loss").asDouble();
        double b = int8.get("loss").asDouble();
        assertThat(b).as("int8 rounds the weights, so the loss moves, but little").isNotEqualTo(a)
                .isCloseTo(a, org.assertj.core.data.Offset.offset(0.02 * a));
    }

    @Test
    void resumeWithoutAConfigContinuesWithTheRunsRecordedConfig() throws Exception {
        Path copy = dir.resolve("resumed");
        try (var files = Files.walk(run)) {
            for (Path p : files.toList()) {
                Path to = copy.resolve(run.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        Run r = quill("train", "--resume", "--out", copy.toString(), "--set", "train.max_iters=14", "--peak-gflops", "0");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(ConfigJson.MAPPER.readTree(r.out()).get("step").asInt()).isEqualTo(14);
        assertThat(r.err()).contains("\"n_embd\":32");    // the recorded model, not the presets' 128
    }

    @Test
    void anMfuOverOneHundredPercentSaysWhy() {
        assertThat(PeakOption.describeMfu(0.458)).isEqualTo(" | mfu 45.8%");
        assertThat(PeakOption.describeMfu(1.404)).contains("mfu 140.4%", "over 100%", "too low");
    }

    @Test
    void theRunRecordHoldsTheHashOfTheDataItTrainedOn() throws Exception {
        JsonNode record = ConfigJson.MAPPER.readTree(run.resolve("run.json").toFile());
        assertThat(record.get("data_path").asText()).isEqualTo(text.toAbsolutePath().toString());
        assertThat(record.get("data_sha256").asText()).isEqualTo(sha256(text));
    }

    @Test
    void theDefaultCorpusIsRecordedWithTheHashOfTheFileRead() throws Exception {
        Path corpus = TestData.tinyShakespearePath();              // skipped without the full corpus
        Path out = dir.resolve("default-corpus");
        Run r = quill("train", "--config", PRESETS, "--out", out.toString(), "--set", "model.n_layer=1", "--set", "model.n_embd=16",
                "--set", "model.block_size=8", "--set", "train.max_iters=1", "--set", "train.eval_interval=0",
                "--set", "train.batch_size=2", "--peak-gflops", "0");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode record = ConfigJson.MAPPER.readTree(out.resolve("run.json").toFile());
        assertThat(record.get("data_path").asText()).isEqualTo(corpus.toAbsolutePath().toString());
        // the file's own bytes, and the hash sha256sum prints for the published corpus
        assertThat(record.get("data_sha256").asText()).isEqualTo(sha256(corpus))
                .isEqualTo("86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed");
    }

    private static String sha256(Path file) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    @Test
    void anExistingRunIsNeverOverwrittenWithoutResume() throws Exception {
        long before = Files.getLastModifiedTime(run.resolve("last/model.safetensors")).toMillis();
        Run r = quill("train", "--config", PRESETS, "--data", text.toString(), "--out", run.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("already holds a run; use --resume");
        assertThat(Files.getLastModifiedTime(run.resolve("last/model.safetensors")).toMillis()).isEqualTo(before);
    }

    @Test
    void askingForTheGpuWithoutItIsOneLine() {
        Run r = quill("--device", "cuda", "info", "--backend");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("quill: --device cuda: this build has no GPU backend; build it with 'mvn -Pcuda package'")
                .doesNotContain("\n");
        assertThat(quill("info", "--backend", "--device", "cpu").code()).isZero();
        assertThat(quill("--device", "tpu", "info", "--backend").err()).contains("must be cpu, cuda or auto");
    }

    /** Every file of the checkpoint with its size and modification time: reading commands must not change it. */
    static java.util.Map<String, String> snapshot(Path dir) throws Exception {
        java.util.Map<String, String> m = new java.util.TreeMap<>();
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                m.put(p.getFileName().toString(), Files.size(p) + "@" + Files.getLastModifiedTime(p).toMillis());
            }
        }
        return m;
    }

    @Test
    void generateEvaluateAndChatReadTheCheckpointWithoutWritingIt() throws Exception {
        Path ckpt = run.resolve("last");
        var before = snapshot(ckpt);

        Run g = quill("generate", "--checkpoint", ckpt.toString(), "--prompt", "First", "--max-new-tokens", "20", "--seed", "3");
        assertThat(g.code()).as(g.err()).isZero();
        assertThat(g.out()).startsWith("First");
        assertThat(g.out().strip().length()).isGreaterThan("First".length());
        assertThat(quill("generate", "--checkpoint", ckpt.toString(), "--prompt", "First", "--max-new-tokens", "20", "--seed", "3").out())
                .isEqualTo(g.out()); // seeded

        Path prompts = dir.resolve("prompts.jsonl");
        Files.writeString(prompts, "{\"prompt\": \"To be\"}\nWhat\n");
        Run pf = quill("generate", "--checkpoint", ckpt.toString(), "--prompt-file", prompts.toString(), "--max-new-tokens", "8",
                "--temperature", "0");
        assertThat(pf.code()).as(pf.err()).isZero();
        var lines = pf.out().strip().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(ConfigJson.MAPPER.readTree(lines.get(0)).get("prompt").asText()).isEqualTo("To be");
        assertThat(ConfigJson.MAPPER.readTree(lines.get(1)).get("tokens").asInt()).isEqualTo(8);

        Run e = quill("evaluate", "--checkpoint", ckpt.toString(), "--data", text.toString(), "--json");
        assertThat(e.code()).as(e.err()).isZero();
        assertThat(e.out().strip().lines().count()).isEqualTo(1);
        JsonNode j = ConfigJson.MAPPER.readTree(e.out());
        assertThat(j.get("tokens").asLong()).isEqualTo(j.get("windows").asLong() * 16);
        // val part: 2,000 characters of the 20,000, cut into windows of 17 with stride 16
        assertThat(j.get("windows").asLong()).isEqualTo((2000 - 1) / 16);
        assertThat(j.get("loss").asDouble()).isFinite().isPositive();
        assertThat(j.get("perplexity").asDouble()).isCloseTo(Math.exp(j.get("loss").asDouble()), org.assertj.core.data.Offset.offset(1e-9));

        assertThat(snapshot(ckpt)).isEqualTo(before);
    }

    @Test
    void chatIsScriptableThroughStdin() throws Exception {
        var gen = dev.quill.generate.Generator.load(run.resolve("last"));
        var out = new java.io.StringWriter();
        var cfg = dev.quill.generate.GenerationConfig.of(5, dev.quill.generate.SampleConfig.greedy());
        ChatSession session = new ChatSession(gen, cfg, new java.io.PrintWriter(out, true));
        Path saved = dir.resolve("transcript.txt");
        String script = String.join("\n", "/set temperature=0.5", "/set top_k=abc", "First \\", "Citizen", "ab\u4e2d", "/show", "/reset",
                "/save " + saved, "/quit", "never read");
        ChatCommand.runPlain(session, new java.io.BufferedReader(new java.io.StringReader(script)));
        String o = out.toString();
        assertThat(o).contains("temperature=0.5", "error: top_k = abc: not a number",
                "(U+4E2D) at line 1, column 3 (index 2)", "context cleared", "saved 2 entries");
        assertThat(Files.readString(saved)).startsWith("> First \nCitizen\n");
        assertThat(session.context()).isEmpty(); // after /reset
    }

    @Test
    void continuedPreTrainingStartsFromACheckpointAndRefusesAnotherShape() throws Exception {
        String[] tiny = {"--set", "model.n_layer=1", "--set", "model.n_embd=32", "--set", "model.block_size=16",
            "--set", "train.eval_interval=0", "--set", "train.batch_size=4", "--set", "train.log_interval=1"};
        Path cont = dir.resolve("continued");
        String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("train", "--config", PRESETS, "--data", text.toString(), "--out", cont.toString(),
                "--set", "train.max_iters=0", "--set", "train.init_from=" + run.resolve("last")), java.util.Arrays.stream(tiny))
                .toArray(String[]::new);
        Run r = quill(args);
        assertThat(r.code()).as(r.err()).isZero();
        // zero steps: the new run's weights are exactly the checkpoint's it started from (a fresh init would differ)
        var from = dev.quill.model.Safetensors.read(run.resolve("last/model.safetensors")).tensors();
        var now = dev.quill.model.Safetensors.read(cont.resolve("last/model.safetensors")).tensors();
        assertThat(now.keySet()).isEqualTo(from.keySet());
        from.forEach((name, a) -> assertThat(now.get(name)).as(name).isEqualTo(a));
        assertThat(Files.readString(cont.resolve("last/tokenizer.json"))).isEqualTo(Files.readString(run.resolve("last/tokenizer.json")));
        String[] wrong = java.util.stream.Stream.concat(java.util.stream.Stream.of("train", "--config", PRESETS, "--data", text.toString(), "--out",
                dir.resolve("wrong").toString(), "--set", "train.init_from=" + run.resolve("last"), "--set", "model.n_embd=64"),
                java.util.Arrays.stream(new String[] {"--set", "model.n_layer=1", "--set", "model.block_size=16"})).toArray(String[]::new);
        Run w = quill(wrong);
        assertThat(w.code()).isEqualTo(2);
        assertThat(w.err()).contains("the model config differs from the checkpoint's");
    }

    @Test
    void benchPeakMeasuresTheGemmRateOverQuillsThreads() throws Exception {
        Run r = quill("bench", "peak");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode peak = ConfigJson.MAPPER.readTree(r.out());
        // a 1024^3 product is 2.1 GFLOP: any working BLAS does more than 0.1 GFLOP/s, no core 10,000
        assertThat(peak.get("peak_gflops").asDouble()).isBetween(0.1, 10_000.0 * peak.get("threads").asInt());
        assertThat(peak.get("n").asInt()).isEqualTo(1024);
        assertThat(r.err()).startsWith("GEMM peak: ");
    }

    @Test
    void versionAndHelp() {
        assertThat(quill("--version").out()).startsWith("quill 0.1.0-SNAPSHOT");
        Run help = quill("--help");
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("train", "tokenizer", "info");
        assertThat(quill("help", "train").out()).contains("--resume", "--set");
    }
}
