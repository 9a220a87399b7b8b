package dev.quill.examples;

import dev.quill.data.Corpora;
import dev.quill.generate.EvalResult;
import dev.quill.generate.EvalSplit;
import dev.quill.generate.Evaluator;
import dev.quill.generate.GenerationConfig;
import dev.quill.generate.Generator;
import dev.quill.generate.SampleConfig;
import java.nio.file.Path;

/**
 * Loads a checkpoint directory, generates from a prompt, and evaluates it on tiny Shakespeare's validation
 * split (the definition of {@code quill evaluate}). Usage: {@code FromCheckpoint DIR [PROMPT [TEXT_FILE]]} (default text: tiny Shakespeare).
 */
public final class FromCheckpoint {

    private FromCheckpoint() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : "out/example-char/last");
        String prompt = args.length > 1 ? args[1] : "ROMEO:";
        Generator gen = Generator.load(dir);
        System.out.println(prompt + gen.generate(prompt, GenerationConfig.of(200, SampleConfig.defaults())).text());
        Path text;
        if (args.length > 2) {
            text = Path.of(args[2]);                      // a text of your own
        } else {
            Corpora.tinyShakespeare();                    // makes sure data/tinyshakespeare.txt is there
            text = Corpora.dataDir().resolve("tinyshakespeare.txt");
        }
        EvalResult r = Evaluator.load(dir, Evaluator.DEFAULT_BATCH).evaluate(text, EvalSplit.parse("val"), 0.1);
        System.out.println(r);
    }
}
