package dev.quill.cli;

import static dev.quill.cli.CliTest.quill;
import static dev.quill.cli.CliTest.resource;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quill.cli.CliTest.Run;
import dev.quill.config.ConfigJson;
import dev.quill.data.Gpt2Tokenizer;
import dev.quill.data.TestData;
import dev.quill.data.Tokenizer;
import dev.quill.model.Checkpoint;
import dev.quill.model.Gpt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hugging Face GPT-2 directories through the command line: the small random GPT-2 directories that
 * {@code tools/reference/hf_gpt2_reference.py} wrote with transformers are read by info, generate, evaluate,
 * train (init_from, with and without LoRA) and export, and Quill's own checkpoints export back to them.
 * The numbers (logits, loss, greedy ids) are checked against transformers in {@code HfGpt2LoadTest}; here
 * the commands are checked to use them, to agree with the library, and never to write into what they read.
 */
class Gpt2CliTest {

    @TempDir
    static Path dir;
    static Path hf;
    static Path text;

    @BeforeAll
    static void setUp() throws IOException {
        hf = Path.of(resource("/hf/tied_gelunew_prefixed"));
        text = dir.resolve("text.txt");
        Files.writeString(text, TestData.excerpt().substring(0, 20_000));
    }

    /** Every file of a directory with its bytes' hash, to prove a command left it alone. */
    static Map<String, Integer> snapshot(Path d) throws IOException {
        Map<String, Integer> files = new TreeMap<>();
        try (Stream<Path> s = Files.list(d)) {
            for (Path p : s.toList()) {
                files.put(p.getFileName().toString(), java.util.Arrays.hashCode(Files.readAllBytes(p)));
            }
        }
        return files;
    }

    @Test
    void infoGenerateAndEvaluateReadAHuggingFaceDirectoryWithoutWritingIntoIt() throws IOException {
        Map<String, Integer> before = snapshot(hf);

        Run info = quill("info", "--checkpoint", hf.toString());
        assertThat(info.code()).as(info.err()).isZero();
        JsonNode i = ConfigJson.MAPPER.readTree(info.out());
        assertThat(i.get("format").asText()).isEqualTo("huggingface-gpt2");
        assertThat(i.get("model").get("vocab_size").asInt()).isEqualTo(320);
        assertThat(i.get("model").get("block_size").asInt()).isEqualTo(40);
        assertThat(i.get("tokenizer").get("type").asText()).isEqualTo("gpt2");
        assertThat(i.get("tokenizer").get("vocab_size").asInt()).isEqualTo(320);

        Run gen = quill("generate", "--checkpoint", hf.toString(), "--prompt", "To be", "--max-new-tokens", "12",
                "--temperature", "0");
        assertThat(gen.code()).as(gen.err()).isZero();
        assertThat(gen.out()).startsWith("To be");
        // the same continuation as the library's greedy decoding of the same directory
        var lib = dev.quill.generate.Generator.load(hf);
        var cfg = dev.quill.generate.GenerationConfig.of(12, dev.quill.generate.SampleConfig.greedy());
        assertThat(gen.out().strip()).isEqualTo(("To be" + lib.generate("To be", cfg).text()).strip());

        Run eval = quill("evaluate", "--checkpoint", hf.toString(), "--data", text.toString(), "--split", "val", "--json");
        assertThat(eval.code()).as(eval.err()).isZero();
        double loss = ConfigJson.MAPPER.readTree(eval.out()).get("loss").asDouble();
        assertThat(loss).isFinite().isPositive().isLessThan(Math.log(320) * 2);

        assertThat(snapshot(hf)).isEqualTo(before);
    }

    @Test
    void aQuillCheckpointExportsToHuggingFaceAndBackWithTheSameWeightsAndText() throws IOException {
        Path run = dir.resolve("char-run");
        Run t = quill("train", "--config", CliTest.PRESETS, "--data", text.toString(), "--out", run.toString(),
                "--set", "model.n_layer=1", "--set", "model.n_embd=32", "--set", "model.block_size=16",
                "--set", "model.bias=true", "--set", "train.max_iters=6", "--set", "train.eval_interval=0",
                "--set", "train.batch_size=4");
        assertThat(t.code()).as(t.err()).isZero();
        Path last = run.resolve("last");
        Path out = dir.resolve("char-export");
        Run e = quill("export", "--format", "hf", "--checkpoint", last.toString(), "--out", out.toString());
        assertThat(e.code()).as(e.err()).isZero();
        assertThat(out.resolve("config.json")).exists();
        assertThat(out.resolve("model.safetensors")).exists();
        assertThat(out.resolve("tokenizer.json")).exists();

        Gpt original = Checkpoint.load(last);
        Gpt exported = Checkpoint.load(out);
        assertThat(exported.config().withVocabSize(original.config().vocabSize()))
                .isEqualTo(original.config().withVocabSize(original.config().vocabSize()));
        original.parameters().forEach((name, p) ->
                assertThat(exported.parameters().get(name).value()).as(name).isEqualTo(p.value()));
        assertThat(Tokenizer.fromDirectory(out).encode("ROMEO: to be")).isEqualTo(Tokenizer.fromDirectory(last).encode("ROMEO: to be"));

        List<String> greedy = List.of("--prompt", "ROMEO:", "--max-new-tokens", "30", "--temperature", "0");
        Run a = quill(Stream.concat(Stream.of("generate", "--checkpoint", last.toString()), greedy.stream()).toArray(String[]::new));
        Run b = quill(Stream.concat(Stream.of("generate", "--checkpoint", out.toString()), greedy.stream()).toArray(String[]::new));
        assertThat(a.code()).as(a.err()).isZero();
        assertThat(b.out()).isEqualTo(a.out());
    }

    @Test
    void aHuggingFaceDirectoryExportsBackBitIdentical() throws IOException {
        Path out = dir.resolve("hf-roundtrip");
        Run e = quill("export", "--format", "hf", "--checkpoint", hf.toString(), "--out", out.toString());
        assertThat(e.code()).as(e.err()).isZero();
        Gpt a = Checkpoint.load(hf);
        Gpt b = Checkpoint.load(out);
        assertThat(b.config()).isEqualTo(a.config());
        a.parameters().forEach((name, p) -> assertThat(b.parameters().get(name).value()).as(name).isEqualTo(p.value()));
        Tokenizer ta = Tokenizer.fromDirectory(hf);
        Tokenizer tb = Tokenizer.fromDirectory(out);
        assertThat(tb).isInstanceOf(Gpt2Tokenizer.class);
        String s = "Hello world, it's 2026 <|endoftext|> ok";
        assertThat(tb.encode(s, true)).isEqualTo(ta.encode(s, true));
    }

    @Test
    void fineTuningAHuggingFaceBaseKeepsItsTokenizerAndExportsBack() throws IOException {
        Path run = dir.resolve("ft");
        Run t = quill("train", "--config", CliTest.PRESETS, "--data", text.toString(), "--out", run.toString(),
                "--set", "train.init_from=" + hf, "--set", "train.max_iters=3", "--set", "train.eval_interval=0",
                "--set", "train.batch_size=2", "--set", "train.learning_rate=3e-5", "--set", "train.min_lr=3e-5");
        assertThat(t.code()).as(t.err()).isZero();
        Path last = run.resolve("last");
        Tokenizer tuned = Tokenizer.fromDirectory(last);
        Tokenizer base = Tokenizer.fromDirectory(hf);
        assertThat(tuned).isInstanceOf(Gpt2Tokenizer.class);
        assertThat(tuned.vocabSize()).isEqualTo(base.vocabSize());
        String s = TestData.excerpt().substring(0, 500);
        assertThat(tuned.encode(s)).isEqualTo(base.encode(s));
        assertThat(Checkpoint.readConfig(last)).isEqualTo(Checkpoint.readConfig(hf));

        Path out = dir.resolve("ft-export");
        Run e = quill("export", "--format", "hf", "--checkpoint", last.toString(), "--out", out.toString());
        assertThat(e.code()).as(e.err()).isZero();
        Gpt a = Checkpoint.load(last);
        Gpt b = Checkpoint.load(out);
        a.parameters().forEach((name, p) -> assertThat(b.parameters().get(name).value()).as(name).isEqualTo(p.value()));
    }

    @Test
    void loraTrainsOnAHuggingFaceBase() throws IOException {
        Path cfg = dir.resolve("lora.json");
        Files.writeString(cfg, """
                {"train": {"init_from": "%s", "max_iters": 3, "eval_interval": 0, "batch_size": 2},
                 "lora": {"rank": 4, "alpha": 8, "targets": ["attn.c_attn", "mlp.c_fc"]}}
                """.formatted(hf.toString().replace("\\", "\\\\")));
        Path run = dir.resolve("lora");
        Run t = quill("train", "--config", cfg.toString(), "--data", text.toString(), "--out", run.toString());
        assertThat(t.code()).as(t.err()).isZero();
        Gpt merged = Checkpoint.load(run.resolve("last"));
        Gpt base = Checkpoint.load(hf);
        String w = "transformer.h.0.attn.c_attn.weight";
        assertThat(merged.parameters().get(w).value()).isNotEqualTo(base.parameters().get(w).value());
        String frozen = "transformer.h.0.attn.c_proj.weight";
        assertThat(merged.parameters().get(frozen).value()).isEqualTo(base.parameters().get(frozen).value());
    }

    @Test
    void badExportsAreOneLineErrors() throws IOException {
        Run format = quill("export", "--format", "onnx", "--checkpoint", hf.toString(), "--out", dir.resolve("x").toString());
        assertThat(format.code()).isEqualTo(2);
        assertThat(format.err().strip()).contains("--format onnx").doesNotContain("\n").doesNotContain("Exception");

        Run self = quill("export", "--format", "hf", "--checkpoint", hf.toString(), "--out", hf.toString());
        assertThat(self.code()).isEqualTo(2);
        assertThat(self.err().strip()).doesNotContain("\n").contains("checkpoint being exported");

        Path rms = dir.resolve("rms");
        Run t = quill("train", "--config", CliTest.PRESETS, "--data", text.toString(), "--out", rms.toString(),
                "--set", "model.n_layer=1", "--set", "model.n_embd=16", "--set", "model.block_size=8", "--set", "model.norm=rmsnorm",
                "--set", "train.max_iters=1", "--set", "train.eval_interval=0", "--set", "train.batch_size=2");
        assertThat(t.code()).as(t.err()).isZero();
        Run r = quill("export", "--format", "hf", "--checkpoint", rms.resolve("last").toString(), "--out", dir.resolve("rms-hf").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n").contains("model.norm");
        assertThat(dir.resolve("rms-hf")).doesNotExist();

        Path pickle = dir.resolve("pickle");
        Files.createDirectories(pickle);
        Files.copy(hf.resolve("config.json"), pickle.resolve("config.json"));
        Files.write(pickle.resolve("pytorch_model.bin"), new byte[] {1, 2, 3});
        Run p = quill("generate", "--checkpoint", pickle.toString(), "--prompt", "x");
        assertThat(p.code()).isEqualTo(2);
        assertThat(p.err().strip()).doesNotContain("\n").contains("safetensors");
    }
}
