package dev.quill.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.data.TestData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example mains run end to end on a tiny setting (the real recipes are benchmarks, not tests). */
class ExampleMainsTest {

    @Test
    void charExampleTrainsGeneratesAndFromCheckpointEvaluates(@TempDir Path out) throws Exception {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            String excerpt = TestData.excerptPath().toString();       // no network and no data/ needed
            ShakespeareChar.main(new String[] {out.toString(), "train.max_iters=4", "model.n_layer=1", "model.n_embd=32",
                "train.eval_interval=4", "train.eval_iters=1", "data.path=" + excerpt});
            FromCheckpoint.main(new String[] {out.resolve("last").toString(), "JULIET:", excerpt});
        } finally {
            System.setOut(saved);
        }
        String printed = buf.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("trained 4 steps, val loss", "ROMEO:", "JULIET:", "val: loss");
        assertThat(out.resolve("last/model.safetensors")).exists();
    }
}
