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
 * Trains nanoGPT's baby character model on tiny Shakespeare, then prints a sample. Run (after
 * {@code mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt}):
 * <pre>
 *   java -cp "$(cat target/classpath.txt):target/classes:target/test-classes" dev.quill.examples.ShakespeareChar \
 *       [OUT_DIR] [section.key=value ...]
 * </pre>
 */
public final class ShakespeareChar {

    private ShakespeareChar() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "out/example-char");
        var overrides = Arrays.asList(args).subList(Math.min(1, args.length), args.length);
        RunConfig cfg = RunConfig.load(Path.of("examples/shakespeare-char-baby.json"), overrides);
        Trainer.Result r = TrainingRun.prepare(cfg, out, false).run();
        System.out.printf("trained %d steps, val loss %.4f%n", r.step(), r.valLoss());
        Generator gen = Generator.load(r.lastCheckpoint());
        System.out.println("ROMEO:" + gen.generate("ROMEO:", GenerationConfig.of(200, SampleConfig.defaults())).text());
    }
}
