package dev.quill.generate;

import dev.quill.autograd.GradMode;
import dev.quill.autograd.MemoryScope;
import dev.quill.config.BadInputException;
import dev.quill.data.Batch;
import dev.quill.data.Corpora;
import dev.quill.data.SequentialWindows;
import dev.quill.data.Tokenizer;
import dev.quill.data.Tokens;
import dev.quill.model.Checkpoint;
import dev.quill.model.Gpt;
import java.io.IOException;
import java.nio.file.Path;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Mean cross-entropy and perplexity of a model over a text file, defined so that any implementation can
 * reproduce it to the last digits:
 * <ol>
 *   <li>tokenize the whole file with the model's tokenizer: n tokens;</li>
 *   <li>keep a split ({@link EvalSplit}): cut = floor(n * (1 - val_fraction)) in double;</li>
 *   <li>cut the kept tokens into windows of T + 1 tokens with stride T (window k is [k*T, k*T + T]; T =
 *       block_size); drop the last incomplete window;</li>
 *   <li>loss = (1 / (windows * T)) * sum over every window and position t of
 *       [logsumexp(logits_t) - logits_t[y_t]], each term and the sum in double from the fp32 logits;</li>
 *   <li>perplexity = exp(loss).</li>
 * </ol>
 * Windows run B at a time in eval mode with gradients off, each batch inside one reused
 * {@link MemoryScope}. Deterministic: the same model and file give the same figures every time.
 */
public final class Evaluator {

    /** Windows per forward unless told otherwise. */
    public static final int DEFAULT_BATCH = 16;

    private final Gpt model;
    private final Tokenizer tokenizer;
    private final int batchSize;

    /**
     * @param model     the model; switched to eval mode during an evaluation, then back
     * @param tokenizer the model's tokenizer
     * @param batchSize windows per forward, at least 1; changes speed and memory, not the result
     * @throws BadInputException for a batch size below 1
     */
    public Evaluator(Gpt model, Tokenizer tokenizer, int batchSize) {
        if (batchSize < 1) {
            throw new BadInputException("eval.batch_size = " + batchSize + ": must be at least 1");
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.batchSize = batchSize;
    }

    /**
     * @param checkpointDir a directory with config.json, model.safetensors and tokenizer.json
     * @param batchSize     windows per forward
     * @return an evaluator of the checkpoint's model and tokenizer
     * @throws BadInputException when the checkpoint is incomplete or inconsistent
     * @throws IOException       when reading fails for another reason
     */
    public static Evaluator load(Path checkpointDir, int batchSize) throws IOException {
        return new Evaluator(Checkpoint.load(checkpointDir), Tokenizer.fromDirectory(checkpointDir),
                batchSize);
    }

    /**
     * Evaluates a split of a UTF-8 text file.
     *
     * @param textFile    the text
     * @param split       which part of its tokens
     * @param valFraction the training run's val_fraction, which places the cut
     * @return loss, perplexity and counts
     * @throws BadInputException when the file cannot be read or the split has fewer than T + 1 tokens
     */
    public EvalResult evaluate(Path textFile, EvalSplit split, double valFraction) {
        return evaluate(Corpora.readText(textFile), split, valFraction);
    }

    /**
     * Evaluates a split of a text.
     *
     * @param text        the text
     * @param split       which part of its tokens
     * @param valFraction the training run's val_fraction, which places the cut
     * @return loss, perplexity and counts
     * @throws BadInputException when the text cannot be encoded or the split has fewer than T + 1 tokens
     */
    public EvalResult evaluate(String text, EvalSplit split, double valFraction) {
        int[] ids = tokenizer.encode(text);
        long[] range = split.range(ids.length, valFraction);
        return evaluate(Tokens.of(ids).slice(range[0], range[1]), split.toString());
    }

    /**
     * Evaluates a token sequence.
     *
     * @param tokens at least T + 1 tokens
     * @param label  names the sequence in the result
     * @return loss, perplexity and counts
     */
    public EvalResult evaluate(Tokens tokens, String label) {
        int t = model.config().blockSize();
        var windows = new SequentialWindows(tokens, batchSize, t);
        boolean wasTraining = model.isTraining();
        model.train(false);
        double total = 0;
        try {
            for (Batch batch : windows) {
                total += sumLoss(batch);
            }
        } finally {
            model.train(wasTraining);
        }
        long count = windows.predictedTokens();
        double loss = total / count;
        return new EvalResult(label, loss, Math.exp(loss), count, windows.windowCount());
    }

    /** Sum over the batch of -log softmax(logits)[target], in double. */
    @SuppressWarnings("try")
    private double sumLoss(Batch batch) {
        try (var g = GradMode.off(); var scope = MemoryScope.open("eval-batch")) {
            INDArray logits = model.forward(batch.inputs()).value();                // (B, T, V)
            int v = (int) logits.size(2);
            float[] x = logits.dup('c').data().asFloat();                           // B*T rows of V, row major
            int[] y = batch.targetIds();                                             // B*T targets
            double sum = 0;
            for (int row = 0; row < y.length; row++) {
                int off = row * v;
                double m = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < v; i++) {
                    m = Math.max(m, x[off + i]);
                }
                double z = 0;
                for (int i = 0; i < v; i++) {
                    z += Math.exp(x[off + i] - m);
                }
                sum += m + Math.log(z) - x[off + y[row]];                            // logsumexp - x[y]
            }
            return sum;
        }
    }
}
