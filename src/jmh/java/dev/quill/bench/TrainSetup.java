package dev.quill.bench;

import dev.quill.autograd.MemoryScope;
import dev.quill.autograd.Tensor;
import dev.quill.config.ModelConfig;
import dev.quill.config.TrainConfig;
import dev.quill.data.Batch;
import dev.quill.data.CharTokenizer;
import dev.quill.data.Corpora;
import dev.quill.data.RandomWindowSampler;
import dev.quill.data.TokenSplit;
import dev.quill.data.Tokens;
import dev.quill.model.Gpt;
import dev.quill.model.MemoryBudget;
import dev.quill.train.AdamW;
import dev.quill.train.GradClip;
import dev.quill.train.LrSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/**
 * A model, its optimizer and a batch sampler on tiny Shakespeare (character tokenizer, 90/10 split), and
 * {@link #step(long)}: one training step exactly as {@code Trainer.run} makes it (per micro-batch, in a
 * MemoryScope of its own: sample, forward, {@code item()}, backward; then clip, AdamW at the scheduled rate,
 * zero the gradients), without the Trainer's logging, evaluation and checkpoints.
 *
 * <p>A step takes B = batch_size x grad_accum_steps sequences of the shape's recipe (12 x 1 for baby, 8 x 8 =
 * 64 for 6x384), as {@code accum} micro-batches of B / accum, each loss scaled by 1 / accum: any accum gives
 * the same tokens per step and the same update (up to float rounding and the order in which windows are
 * drawn), and 1 / accum of the activation memory. 0 takes the recipe's grad_accum_steps.
 */
final class TrainSetup {

    final ModelConfig model;
    final TrainConfig train;
    final Gpt gpt;
    final AdamW optimizer;
    final RandomWindowSampler sampler;
    final LrSchedule schedule;
    final Collection<Tensor> params;
    final int vocab;
    final int accum;

    final int sequences;
    private final long scopeBytes;      // the step's scope reserved at its expected size, as Trainer does

    TrainSetup(Shape shape) {
        this(shape, 0);
    }

    /** @param accum micro-batches per step, dividing B; 0 for the recipe's grad_accum_steps */
    TrainSetup(Shape shape, int accum) {
        this.sequences = shape.train().batchSize() * shape.train().gradAccumSteps();
        this.accum = accum == 0 ? shape.train().gradAccumSteps() : accum;
        if (this.accum < 1 || sequences % this.accum != 0) {
            throw new IllegalArgumentException("--accum " + accum + " must divide the " + sequences + " sequences of a step");
        }
        String text = Corpora.readText(corpus());
        CharTokenizer tok = CharTokenizer.train(text);
        Tokens all = Tokens.of(tok.encode(text, false));
        TokenSplit split = TokenSplit.of(all);
        this.vocab = tok.vocabSize();
        this.model = shape.model().withVocabSize(vocab);
        this.train = shape.train();
        this.gpt = new Gpt(model, train.seed());
        this.optimizer = new AdamW(gpt.parameters(), train.weightDecay(), train.beta1(), train.beta2(), train.eps());
        this.sampler = RandomWindowSampler.create(split.train(), sequences / this.accum, model.blockSize(), train.seed());
        this.schedule = LrSchedule.of(train);
        this.params = gpt.parameters().values();
        this.scopeBytes = MemoryBudget.stepScopeBytes(model, sequences / this.accum);
        gpt.train(true);
    }

    /** data/tinyshakespeare.txt (or -Dquill.data.dir), which must be there: ./quill train downloads it. */
    static Path corpus() {
        Path p = Corpora.dataDir().resolve("tinyshakespeare.txt");
        if (!Files.exists(p)) {
            throw new IllegalStateException(p.toAbsolutePath() + " is missing: ./quill train --config examples/shakespeare-char-baby.json"
                    + " downloads it (checksum verified), or put it there (or pass -Dquill.data.dir=DIR)");
        }
        return p;
    }

    /** One training step (iteration {@code it}, from 0); returns the loss. */
    double step(long it) {
        double lr = schedule.lr(it);
        double l = 0;
        for (int micro = 0; micro < accum; micro++) {
            try (MemoryScope scope = MemoryScope.open("train-step", scopeBytes)) {
                Batch batch = sampler.next();
                Tensor loss = gpt.loss(batch.inputs(), batch.targets());
                if (accum > 1) {
                    loss = loss.mul(1.0 / accum);                 // the mean over all micro-batches
                }
                l += loss.item();
                loss.backward();
            }
        }
        try (MemoryScope scope = MemoryScope.open("update")) {
            GradClip.clip(params, train.gradClip());
            optimizer.step(lr);
            gpt.zeroGrad();
        }
        return l;
    }

    /** Tokens per step: B * T. */
    long tokensPerStep() {
        return (long) sequences * model.blockSize();
    }
}
