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
import dev.quill.train.AdamW;
import dev.quill.train.GradClip;
import dev.quill.train.LrSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/**
 * A model, its optimizer and a batch sampler on tiny Shakespeare (character tokenizer, 90/10 split), and
 * {@link #step(long)}: one training step exactly as {@code Trainer.run} makes it with grad_accum_steps = 1
 * (sample a batch, forward, {@code item()}, backward, clip, AdamW at the scheduled rate, zero the
 * gradients, all inside one MemoryScope), without the Trainer's logging, evaluation and checkpoints.
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

    TrainSetup(Shape shape) {
        String text = Corpora.readText(corpus());
        CharTokenizer tok = CharTokenizer.train(text);
        Tokens all = Tokens.of(tok.encode(text, false));
        TokenSplit split = TokenSplit.of(all);
        this.vocab = tok.vocabSize();
        this.model = shape.model().withVocabSize(vocab);
        this.train = shape.train();
        this.gpt = new Gpt(model, train.seed());
        this.optimizer = new AdamW(gpt.parameters(), train.weightDecay(), train.beta1(), train.beta2(), train.eps());
        this.sampler = RandomWindowSampler.create(split.train(), train.batchSize(), model.blockSize(), train.seed());
        this.schedule = LrSchedule.of(train);
        this.params = gpt.parameters().values();
        gpt.train(true);
    }

    /** data/tinyshakespeare.txt (or -Dquill.data.dir); copy it from ../shared/data/ if missing. */
    static Path corpus() {
        Path p = Corpora.dataDir().resolve("tinyshakespeare.txt");
        if (!Files.exists(p)) {
            throw new IllegalStateException(p.toAbsolutePath() + " is missing: cp /work/shared/data/tinyshakespeare.txt data/"
                    + " (or pass -Dquill.data.dir=DIR)");
        }
        return p;
    }

    /** One training step (iteration {@code it}, from 0); returns the loss. */
    double step(long it) {
        double lr = schedule.lr(it);
        try (MemoryScope scope = MemoryScope.open("train-step")) {
            Batch batch = sampler.next();
            Tensor loss = gpt.loss(batch.inputs(), batch.targets());
            double l = loss.item();
            loss.backward();
            GradClip.clip(params, train.gradClip());
            optimizer.step(lr);
            gpt.zeroGrad();
            return l;
        }
    }

    /** Tokens per step: B * T. */
    long tokensPerStep() {
        return (long) train.batchSize() * model.blockSize();
    }

    /** nanoGPT's model FLOPs per token: 6N + 12 * n_layer * n_embd * block_size, N without the position table. */
    double flopsPerToken() {
        return 6.0 * gpt.parameterCountWithoutPositions()
                + 12.0 * model.nLayer() * model.nEmbd() * model.blockSize();
    }
}
