package dev.quill.example;

import dev.quill.autograd.Rng;
import dev.quill.config.ModelConfig;
import dev.quill.config.RunConfig;
import dev.quill.data.CharTokenizer;
import dev.quill.data.TokenSplit;
import dev.quill.data.Tokens;
import dev.quill.model.Gpt;
import dev.quill.train.GptTask;
import dev.quill.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.LoggerFactory;

/**
 * Trains a tiny GPT on a built-in text through Quill's public API, checks that the loss fell, and
 * generates text. Exits with status 1 (failing {@code mvn verify}) otherwise.
 */
public final class TrainTiny {

    private static final String TEXT = """
            First Citizen:
            Before we proceed any further, hear me speak.
            All:
            Speak, speak.
            First Citizen:
            You are all resolved rather to die than to famish?
            All:
            Resolved. resolved.
            First Citizen:
            First, you know Caius Marcius is chief enemy to the people.
            All:
            We know't, we know't.
            First Citizen:
            Let us kill him, and we'll have corn at our own price.
            Is't a verdict?
            All:
            No more talking on't; let it be done: away, away!
            """.repeat(20);

    public static void main(String[] args) throws Exception {
        // The logging rule: Quill brings no SLF4J backend; this project's slf4j-simple must be the one bound.
        String factory = LoggerFactory.getILoggerFactory().getClass().getName();
        System.out.println("SLF4J backend: " + factory);
        if (!factory.startsWith("org.slf4j.simple")) {
            fail("expected this project's slf4j-simple backend, got " + factory);
        }

        CharTokenizer tokenizer = CharTokenizer.train(TEXT);
        TokenSplit split = TokenSplit.of(Tokens.of(tokenizer.encode(TEXT)), 0.1);
        RunConfig run = RunConfig.load(null, List.of("model.n_layer=1", "model.n_head=2", "model.n_embd=32",
                "model.block_size=32", "train.batch_size=8", "train.max_iters=60", "train.warmup_iters=5",
                "train.lr_decay_iters=60", "train.learning_rate=3e-3", "train.min_lr=3e-4",
                "train.eval_interval=30", "train.eval_iters=4", "train.log_interval=10"));
        ModelConfig cfg = run.model().withVocabSize(tokenizer.vocabSize());
        Gpt model = new Gpt(cfg, new Rng(run.train().seed()), DataType.FLOAT);
        Path out = Files.createTempDirectory("quill-example-");
        Trainer.Result r = new Trainer(run.train(), new GptTask(model, tokenizer), split.train(), split.val(),
                cfg.blockSize(), out).run();

        double start = Math.log(tokenizer.vocabSize());
        System.out.printf("loss: ln(V) = %.3f at the start, val %.3f after %d steps%n", start, r.valLoss(), r.step());
        if (!(r.valLoss() < start - 1.0)) {
            fail("the loss did not fall enough: " + r.valLoss());
        }

        String sample = GreedySampler.complete(model, tokenizer, "First Citizen:\n", 60);
        System.out.println("sample:\n" + sample);
        if (sample.length() <= "First Citizen:\n".length()) {
            fail("no text came out");
        }
        System.out.println("OK");
    }

    private static void fail(String message) {
        System.err.println("FAILED: " + message);
        System.exit(1);
    }
}
