package dev.quill.docs;

import dev.quill.autograd.Rng;
import dev.quill.config.ModelConfig;
import dev.quill.config.RunConfig;
import dev.quill.data.CharTokenizer;
import dev.quill.data.Corpora;
import dev.quill.data.TokenSplit;
import dev.quill.data.Tokens;
import dev.quill.model.Gpt;
import dev.quill.train.GptTask;
import dev.quill.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Trains a run config through the public API (tokenizer, split, {@link Gpt}, {@link GptTask},
 * {@link Trainer}) and copies its {@code loss.png} to {@code docs/img/}: the measured run behind the
 * loss-curve figure of docs/04-training.md. From the repository root, with tiny Shakespeare in data/:
 * <pre>
 *   SD_MAX_THREADS=1 SD_MASTER_THREADS=1 OMP_NUM_THREADS=1 java \
 *       -cp "$(cat target/classpath.txt):target/classes:target/test-classes" \
 *       dev.quill.docs.BabyRun examples/shakespeare-char-baby.json target/baby-run [key=value ...]
 * </pre>
 */
public final class BabyRun {

    private BabyRun() {
    }

    public static void main(String[] args) throws Exception {
        Path config = Path.of(args.length > 0 ? args[0] : "examples/shakespeare-char-baby.json");
        Path out = Path.of(args.length > 1 ? args[1] : "target/baby-run");
        List<String> sets = args.length > 2 ? List.of(args).subList(2, args.length) : List.of();
        RunConfig run = RunConfig.load(config, sets);
        String text = Corpora.textOrTinyShakespeare(run.data().path() == null ? null : Path.of(run.data().path()));
        CharTokenizer tokenizer = CharTokenizer.train(text);
        TokenSplit split = TokenSplit.of(Tokens.of(tokenizer.encode(text)), run.data().valFraction());
        ModelConfig m = run.model().withVocabSize(tokenizer.vocabSize());
        Gpt gpt = new Gpt(m, new Rng(run.train().seed()), DataType.FLOAT);
        System.out.printf("parameters: %d (%d without positions)%n", gpt.parameterCount(), gpt.parameterCountWithoutPositions());
        long t0 = System.nanoTime();
        Trainer.Result r = new Trainer(run.train(), new GptTask(gpt, tokenizer), split.train(), split.val(),
                m.blockSize(), out).run();
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%s after %d steps: train %.4f, val %.4f (best %.4f), %.0f s, %.1f ms/step%n",
                r.stop(), r.step(), r.trainLoss(), r.valLoss(), r.bestValLoss(), seconds, seconds * 1000 / r.step());
        Files.createDirectories(Path.of("docs/img"));
        Files.copy(out.resolve("loss.png"), Path.of("docs/img/" + run.name() + "-loss.png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
