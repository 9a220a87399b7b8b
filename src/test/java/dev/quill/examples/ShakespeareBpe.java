package dev.quill.examples;

import dev.quill.config.RunConfig;
import dev.quill.generate.GenerationConfig;
import dev.quill.generate.Generator;
import dev.quill.generate.SampleConfig;
import dev.quill.train.Trainer;
import dev.quill.train.TrainingRun;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Trains a byte-level BPE tokenizer (1,024 tokens) and a small model on it, from
 * {@code examples/shakespeare-bpe.json}, then prints a sample. Arguments as {@link ShakespeareChar}.
 */
public final class ShakespeareBpe {

    private ShakespeareBpe() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "out/example-bpe");
        var overrides = Arrays.asList(args).subList(Math.min(1, args.length), args.length);
        RunConfig cfg = RunConfig.load(Path.of("examples/shakespeare-bpe.json"), overrides);
        TrainingRun run = TrainingRun.prepare(cfg, out, false);
        System.out.printf("tokenizer: %s with %d tokens%n", run.tokenizer().type(), run.tokenizer().vocabSize());
        Trainer.Result r = run.run();
        System.out.printf("trained %d steps, val loss %.4f%n", r.step(), r.valLoss());
        Generator gen = Generator.load(r.lastCheckpoint());
        System.out.println("ROMEO:" + gen.generate("ROMEO:", GenerationConfig.of(100, SampleConfig.defaults())).text());
    }
}
