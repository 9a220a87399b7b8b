package dev.quill.docs;

import dev.quill.autograd.Rng;
import dev.quill.config.ModelConfig;
import dev.quill.config.RunConfig;
import dev.quill.data.CharTokenizer;
import dev.quill.data.TokenSplit;
import dev.quill.data.Tokens;
import dev.quill.model.Checkpoint;
import dev.quill.model.Gpt;
import dev.quill.train.GptTask;
import dev.quill.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Prints the messages a user sees for the mistakes docs/troubleshooting.md covers, so the chapter quotes
 * real output. Run:
 * <pre>
 *   java -cp "$(cat target/classpath.txt):target/classes:target/test-classes" dev.quill.docs.ErrorMessages
 * </pre>
 */
public final class ErrorMessages {

    private ErrorMessages() {
    }

    interface Action {
        void run() throws Exception;
    }

    static void show(String what, Action a) {
        try {
            a.run();
            System.out.println(what + ": (no error)");
        } catch (Exception e) {
            System.out.println(what + ":\n  " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("quill-errors");
        Path typo = dir.resolve("typo.json");
        Files.writeString(typo, "{\"train\": {\"learning_rat\": 3e-4}}");
        show("a misspelt key", () -> RunConfig.load(typo, List.of()));
        show("a bad value", () -> RunConfig.load(null, List.of("model.n_embd=100", "model.n_head=6")));
        String text = "To be, or not to be, that is the question. ".repeat(40);
        CharTokenizer tok = CharTokenizer.train(text);
        TokenSplit split = TokenSplit.of(Tokens.of(tok.encode(text)), 0.1);
        ModelConfig m = RunConfig.load(null, List.of("model.n_layer=1", "model.n_embd=16", "model.n_head=2",
                "model.block_size=16")).model().withVocabSize(tok.vocabSize());
        RunConfig big = RunConfig.load(null, List.of("train.max_iters=3", "train.learning_rate=1e30",
                "train.min_lr=0", "train.warmup_iters=0", "train.grad_clip=0", "train.max_bad_steps=2", "train.eval_interval=0"));
        show("resume without a checkpoint", () -> new Trainer(big.train(), new GptTask(new Gpt(m, 1), tok), split.train(),
                split.val(), 16, dir.resolve("empty")).run(true));
        show("a learning rate far too high", () -> new Trainer(big.train(), new GptTask(new Gpt(m, new Rng(1), DataType.FLOAT), tok),
                split.train(), split.val(), 16, dir.resolve("diverge")).run());
        Path ckpt = dir.resolve("ckpt");
        Checkpoint.save(ckpt, new Gpt(m, 1));
        show("a checkpoint directory without weights", () -> {
            Files.delete(ckpt.resolve(Checkpoint.WEIGHTS));
            Checkpoint.load(ckpt);
        });
        Path ckpt2 = dir.resolve("ckpt2");
        Checkpoint.save(ckpt2, new Gpt(m, 1));
        show("weights that do not match config.json", () -> {
            String c = Files.readString(ckpt2.resolve(Checkpoint.CONFIG)).replace("\"n_embd\" : 16", "\"n_embd\" : 32");
            Files.writeString(ckpt2.resolve(Checkpoint.CONFIG), c);
            Checkpoint.load(ckpt2);
        });
        Path ckpt3 = dir.resolve("ckpt3");
        Checkpoint.save(ckpt3, new Gpt(m, 1));
        show("a truncated weights file", () -> {
            byte[] b = Files.readAllBytes(ckpt3.resolve(Checkpoint.WEIGHTS));
            Files.write(ckpt3.resolve(Checkpoint.WEIGHTS), java.util.Arrays.copyOf(b, b.length / 2));
            Checkpoint.load(ckpt3);
        });
        for (String set : List.of("model.n_layer=10000", "model.n_embd=1000000")) {
            RunConfig huge = RunConfig.load(Path.of("examples/shakespeare-char-baby.json"), List.of(set));
            show("a model that cannot fit (" + set + ")", () -> dev.quill.model.MemoryBudget.checkTraining(huge.model(),
                    huge.train().batchSize(), false));
        }
        show("a sequence longer than block_size", () -> new Gpt(m, 1).forward(org.nd4j.linalg.factory.Nd4j.zeros(DataType.INT32, 1, 17)));
    }
}
