package dev.quill.model;

import dev.quill.autograd.GradMode;
import java.nio.file.Path;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Loads a checkpoint directory through {@link Checkpoint#load} and runs one forward on 8 tokens, printing
 * the load time: what bench/gpt2-load.sh measures under {@code /usr/bin/time -v} for peak memory.
 */
final class LoadProbe {

    private LoadProbe() {
    }

    /**
     * @param args the checkpoint directory
     * @throws Exception when loading fails
     */
    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        Nd4j.zeros(1);                                               // ND4J's own start-up, timed apart
        long t0 = System.nanoTime();
        Gpt model = Checkpoint.load(Path.of(args[0]));
        long t1 = System.nanoTime();
        model.train(false);
        try (GradMode g = GradMode.off()) {
            float first = model.forward(Nd4j.createFromArray(new long[][] {{1, 2, 3, 4, 5, 6, 7, 8}})).value().getFloat(0);
            long t2 = System.nanoTime();
            System.out.printf("nd4j_start_ms=%d load_ms=%d forward_ms=%d parameters=%d logit0=%.4f%n",
                    (t0 - start) / 1_000_000, (t1 - t0) / 1_000_000,
                    (t2 - t1) / 1_000_000, model.parameterCount(), first);
        }
    }
}
