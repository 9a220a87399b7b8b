package dev.quill.cli;

import static dev.quill.cli.CliTest.quill;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quill.cli.CliTest.Run;
import dev.quill.config.ConfigJson;
import dev.quill.data.TestData;
import dev.quill.data.Tokenizer;
import dev.quill.model.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Fine-tuning from the command line on a tiny pre-trained model: instruction tuning in full and with
 * LoRA (the base bitwise unchanged, exact resume), and the pipeline that chains pre-training and SFT.
 */
class FineTuneCliTest {

    @TempDir
    static Path dir;
    static Path text;
    static Path base;
    static Path conversations;
    static int baseVocab;

    private static final String[] TINY = {"--set", "model.n_layer=1", "--set", "model.n_embd=32", "--set", "model.block_size=96",
        "--set", "train.batch_size=4", "--set", "train.eval_iters=2", "--set", "train.log_interval=1"};

    @BeforeAll
    static void pretrainATinyModelAndWriteConversations() throws Exception {
        text = dir.resolve("text.txt");
        Files.copy(TestData.excerptPath(), text);      // every character the conversations use
        base = dir.resolve("base");
        Run r = quill(args(Stream.of("train", "--config", CliTest.PRESETS, "--data", text.toString(), "--out", base.toString(),
                "--set", "train.max_iters=6", "--set", "train.eval_interval=3")));
        assertThat(r.code()).as(r.err()).isZero();
        baseVocab = Tokenizer.load(base.resolve("last/tokenizer.json")).vocabSize();
        conversations = dir.resolve("sft.jsonl");
        Files.writeString(conversations, String.join("\n", List.of(
                "{\"prompt\": \"Who speaks: Before we proceed any further, hear me speak.\", \"response\": \"First Citizen\"}",
                "{\"prompt\": \"Who speaks: Speak, speak.\", \"response\": \"All\"}",
                "{\"prompt\": \"Who speaks: You are all resolved rather to die than to famish?\", \"response\": \"First Citizen\"}",
                "{\"prompt\": \"Who speaks: Resolved. resolved.\", \"response\": \"All\"}",
                "{\"prompt\": \"Who speaks: We know't, we know't.\", \"response\": \"All\"}",
                "{\"prompt\": \"Who speaks: One word, good citizens.\", \"response\": \"MENENIUS\"}",
                "{\"prompt\": \"Next line after: Speak, speak.\", \"response\": \"You are all resolved rather to die than to famish?\"}",
                "{\"prompt\": \"Next line after: Resolved. resolved.\", \"response\": \"First, you know Caius Marcius is chief enemy\"}",
                "{\"prompt\": \"Who speaks: Would you proceed especially against Caius Marcius?\", \"response\": \"First Citizen\"}",
                "{\"prompt\": \"Who speaks: Against him first: he's a very dog to the commonalty.\", \"response\": \"All\"}")) + "\n");
    }

    private static String[] args(Stream<String> head) {
        return Stream.concat(head, Stream.of(TINY)).toArray(String[]::new);
    }

    private static Run tune(Path out, String... extra) {
        return quill(args(Stream.concat(Stream.of("train", "--config", CliTest.PRESETS, "--data", text.toString(), "--out", out.toString(),
                "--set", "train.init_from=" + base.resolve("last"), "--set", "sft.path=" + conversations,
                "--set", "sft.val_fraction=0.2", "--set", "sft.mix_ratio=0.25"), Stream.of(extra))));
    }

    @Test
    void instructionTuningAddsTheTemplateTokensAndTrainsOnConversations() throws Exception {
        Path out = dir.resolve("sft");
        Run r = tune(out, "--set", "train.max_iters=6", "--set", "train.eval_interval=3");
        assertThat(r.code()).as(r.err()).isZero();
        Tokenizer tok = Tokenizer.load(out.resolve("last/tokenizer.json"));
        assertThat(tok.vocabSize()).isEqualTo(baseVocab + 4);
        assertThat(tok.specialTokens().keySet()).contains("<|user|>", "<|assistant|>", "<|end|>");
        JsonNode cfg = ConfigJson.MAPPER.readTree(out.resolve("last/config.json").toFile());
        assertThat(cfg.get("vocab_size").asInt()).isEqualTo(baseVocab + 4);
        assertThat(cfg.get("block_size").asInt()).isEqualTo(96);
        JsonNode record = ConfigJson.MAPPER.readTree(out.resolve("run.json").toFile());
        assertThat(record.get("sft_train_conversations").asInt()).isEqualTo(8);
        assertThat(record.get("sft_val_conversations").asInt()).isEqualTo(2);
        assertThat(ConfigJson.MAPPER.readTree(r.out()).get("val_loss").asDouble()).isFinite();
        // the pre-trained rows of the embedding moved (full fine-tuning), all of them started from the base
        INDArray before = Safetensors.read(base.resolve("last/model.safetensors")).tensors().get("transformer.wte.weight");
        INDArray after = Safetensors.read(out.resolve("last/model.safetensors")).tensors().get("transformer.wte.weight");
        assertThat(after.rows()).isEqualTo(baseVocab + 4);
        assertThat(after.get(NDArrayIndex.interval(0, baseVocab), NDArrayIndex.all())).isNotEqualTo(before);
    }

    @Test
    void aMalformedLineStopsTheRunNamingItUnlessSkipBadLines() throws Exception {
        Path bad = dir.resolve("bad.jsonl");
        List<String> lines = new java.util.ArrayList<>(Files.readAllLines(conversations));
        lines.add(3, "{\"prompt\": \"Who speaks?\"}");                   // line 4: no response
        Files.write(bad, lines);
        Run stop = tune(dir.resolve("bad-stop"), "--set", "sft.path=" + bad, "--set", "train.max_iters=1", "--set", "train.eval_interval=0");
        assertThat(stop.code()).isEqualTo(2);
        assertThat(stop.err()).contains(bad + ":4");
        Run skip = quill(args(Stream.of("train", "--config", CliTest.PRESETS, "--data", text.toString(), "--out", dir.resolve("bad-skip").toString(),
                "--set", "train.init_from=" + base.resolve("last"), "--set", "sft.path=" + bad, "--set", "sft.val_fraction=0.2",
                "--set", "train.max_iters=1", "--set", "train.eval_interval=0", "--skip-bad-lines")));
        assertThat(skip.code()).as(skip.err()).isZero();
        assertThat(ConfigJson.MAPPER.readTree(dir.resolve("bad-skip/run.json").toFile()).get("sft_summary").asText())
                .contains("used 10, skipped 1");
        Run none = quill("train", "--config", CliTest.PRESETS, "--skip-bad-lines", "--out", dir.resolve("none").toString());
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("no sft section");
    }

    @Test
    void chatWithTheTemplateTakesTurnsAndNeverPrintsTheMarkers() throws Exception {
        Path out = dir.resolve("sft-chat");
        assertThat(tune(out, "--set", "train.max_iters=2", "--set", "train.eval_interval=0").code()).isZero();
        var gen = dev.quill.generate.Generator.load(out.resolve("last"));
        var template = dev.quill.data.sft.ChatTemplate.create("default", gen.tokenizer());
        var text = new java.io.StringWriter();
        var cfg = dev.quill.generate.GenerationConfig.of(12, new dev.quill.generate.SampleConfig(1.0, 0, 1.0, 1.0, 5));
        ChatSession session = new ChatSession(gen, cfg, new java.io.PrintWriter(text, true), template);
        ChatCommand.runPlain(session, new java.io.BufferedReader(new java.io.StringReader("Who speaks: Speak, speak.\nAnd you?\n/show\n")));
        assertThat(session.messages()).extracting(m -> m.role().name())
                .containsExactly("USER", "ASSISTANT", "USER", "ASSISTANT");
        assertThat(session.messages().get(2).content()).isEqualTo("And you?");
        assertThat(text.toString()).contains("stop=[<|end|>, ", "<|user|>", "<|assistant|>");
        String replies = session.messages().get(1).content() + session.messages().get(3).content();
        assertThat(replies).doesNotContain("<|");
        // a checkpoint that was never tuned with the template is refused in one line
        Run r = quill("chat", "--checkpoint", base.resolve("last").toString(), "--template", "default");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("was not tuned with the \"default\" chat template");
    }

    @Test
    void loraTrainsAdaptersOnlyLeavesTheBaseBitwiseAndResumesExactly() throws Exception {
        String[] lora = {"--set", "lora.rank=4", "--set", "lora.alpha=8", "--set", "train.eval_interval=4"};
        Path whole = dir.resolve("lora-whole");
        Run a = tune(whole, Stream.concat(Stream.of(lora), Stream.of("--set", "train.max_iters=8")).toArray(String[]::new));
        assertThat(a.code()).as(a.err()).isZero();
        Path last = whole.resolve("last");
        assertThat(last.resolve("adapter.safetensors")).isRegularFile();
        assertThat(last.resolve("adapter_config.json")).isRegularFile();
        Map<String, INDArray> from = Safetensors.read(base.resolve("last/model.safetensors")).tensors();
        Map<String, INDArray> now = Safetensors.read(last.resolve("model.safetensors")).tensors();
        assertThat(now.keySet()).isEqualTo(from.keySet());
        from.forEach((name, t) -> {
            INDArray n = now.get(name);
            if (name.equals("transformer.wte.weight")) {       // grown by the template's 4 tokens; old rows untouched
                assertThat(n.rows()).isEqualTo(baseVocab + 4);
                n = n.get(NDArrayIndex.interval(0, baseVocab), NDArrayIndex.all()).dup();
            }
            assertThat(java.util.Arrays.equals(n.data().asFloat(), t.data().asFloat())).as(name + " bitwise unchanged").isTrue();
        });
        Map<String, INDArray> moments = Safetensors.read(last.resolve("optimizer.safetensors")).tensors();
        assertThat(moments).isNotEmpty();
        assertThat(moments.keySet()).allMatch(k -> k.contains("lora_A") || k.contains("lora_B"));
        INDArray b = Safetensors.read(last.resolve("adapter.safetensors")).tensors()
                .get("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight");
        assertThat(b.norm2Number().doubleValue()).as("B trained away from zero").isGreaterThan(0);

        // stopped at step 4, resumed to 8: the same losses as the run without a break
        Path split = dir.resolve("lora-split");
        assertThat(tune(split, Stream.concat(Stream.of(lora), Stream.of("--set", "train.max_iters=4")).toArray(String[]::new)).code()).isZero();
        String[] resume = Stream.concat(Stream.of(lora), Stream.of("--set", "train.max_iters=8", "--resume")).toArray(String[]::new);
        Run c = tune(split, resume);
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(losses(split)).containsExactlyElementsOf(losses(whole));

        // loading the run's checkpoint merges the adapter it holds: the same logits as base + unmerged adapter
        dev.quill.model.Gpt merged = dev.quill.model.Checkpoint.load(last);
        assertThat(merged.hasAdapters()).isFalse();
        dev.quill.model.Gpt unmerged = new dev.quill.model.Gpt(dev.quill.model.Checkpoint.readConfig(last), 1);
        unmerged.loadState(now, false, "base");
        dev.quill.model.LoraCheckpoint.load(last, unmerged);
        assertThat(unmerged.hasAdapters()).isTrue();
        INDArray ids = org.nd4j.linalg.factory.Nd4j.createFromArray(new int[][] {{1, 5, 9, 2, 7}});
        merged.train(false);
        unmerged.train(false);
        try (var off = dev.quill.autograd.GradMode.off()) {
            INDArray m = merged.forward(ids).value();
            INDArray u = unmerged.forward(ids).value();
            assertThat(m.sub(u).amaxNumber().doubleValue()).isLessThan(1e-4);
            dev.quill.model.Gpt plain = new dev.quill.model.Gpt(dev.quill.model.Checkpoint.readConfig(last), 1);
            plain.loadState(now, false, "base");
            plain.train(false);
            assertThat(plain.forward(ids).value().sub(u).amaxNumber().doubleValue())
                    .as("the adapter changes the logits by more than the tolerance above").isGreaterThan(1e-3);
        }
    }

    @Test
    void loraWithTrainEmbeddingsAlsoTunesTheEmbeddingAndNothingElseOfTheBase() throws Exception {
        Path out = dir.resolve("lora-emb");
        Run r = tune(out, "--set", "lora.rank=4", "--set", "lora.train_embeddings=true", "--set", "train.max_iters=3",
                "--set", "train.eval_interval=0");
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, INDArray> from = Safetensors.read(base.resolve("last/model.safetensors")).tensors();
        Map<String, INDArray> now = Safetensors.read(out.resolve("last/model.safetensors")).tensors();
        from.forEach((name, t) -> {
            INDArray n = name.equals("transformer.wte.weight")
                    ? now.get(name).get(NDArrayIndex.interval(0, baseVocab), NDArrayIndex.all()).dup() : now.get(name);
            boolean same = java.util.Arrays.equals(n.data().asFloat(), t.data().asFloat());
            assertThat(same).as(name).isEqualTo(!name.equals("transformer.wte.weight"));
        });
        assertThat(Safetensors.read(out.resolve("last/optimizer.safetensors")).tensors().keySet())
                .anyMatch(k -> k.contains("transformer.wte.weight"));
    }

    private static List<Double> losses(Path run) throws Exception {
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .map(l -> { try { return ConfigJson.MAPPER.readTree(l); } catch (Exception e) { throw new AssertionError(e); } })
                .map(n -> n.get("train_loss").asDouble()).toList();
    }

    @Test
    void pipelinePretrainsThenTunesFromTheBestCheckpointAndResumesByStage() throws Exception {
        Path pipeline = dir.resolve("pipeline.json");
        Files.writeString(pipeline, """
                {"pretrain": {"model": {"n_layer": 1, "n_embd": 32, "block_size": 96},
                              "train": {"init_from": "%s", "max_iters": 4, "eval_interval": 2, "eval_iters": 2, "batch_size": 4},
                              "data": {"path": "%s"}},
                 "sft": {"train": {"max_iters": 4, "eval_interval": 2, "eval_iters": 2, "batch_size": 4},
                         "sft": {"path": "%s", "val_fraction": 0.2}}}
                """.formatted(base.resolve("last"), text, conversations));
        Path out = dir.resolve("pipe");
        Run r = quill("pipeline", "--config", pipeline.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode result = ConfigJson.MAPPER.readTree(r.out());
        assertThat(result.at("/pretrain/stop").asText()).isEqualTo("finished");
        assertThat(result.at("/sft/stop").asText()).isEqualTo("finished");
        JsonNode sftRecord = ConfigJson.MAPPER.readTree(out.resolve("sft/run.json").toFile());
        assertThat(sftRecord.at("/config/train/init_from").asText()).isEqualTo(out.resolve("pretrain/best").toString());
        assertThat(sftRecord.at("/config/model/vocab_size").asInt()).isEqualTo(baseVocab + 4);
        // finished stages are kept on --resume; without it the directory is refused
        Run again = quill("pipeline", "--config", pipeline.toString(), "--out", out.toString(), "--resume");
        assertThat(again.code()).as(again.err()).isZero();
        assertThat(ConfigJson.MAPPER.readTree(again.out()).at("/sft/stop").asText()).isEqualTo("already_finished");
        Run refused = quill("pipeline", "--config", pipeline.toString(), "--out", out.toString());
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains("already holds a run");
        Run bad = quill("pipeline", "--config", pipeline.toString(), "--out", dir.resolve("x").toString(), "--set", "train.max_iters=3");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("stage pretrain or sft");
    }
}
