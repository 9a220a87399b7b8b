/**
 * Phase 4: training.
 *
 * <p>Open {@link dev.quill.train.Trainer} first: it trains any {@link dev.quill.train.TrainTask} (a module,
 * a loss on a batch, a way to save and load it) on windows of a token stream. One step: draw
 * {@code grad_accum_steps} micro-batches, back-propagate each loss divided by their number (so the summed
 * gradient equals one big batch's), clip the global gradient norm ({@link dev.quill.train.GradClip}), and
 * make one {@link dev.quill.train.AdamW} update at the rate of the schedule
 * ({@link dev.quill.train.CosineWithWarmup}, {@link dev.quill.train.LinearWithWarmup} or constant).
 * AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", 2019) decays matrices and
 * embeddings but not biases and norm gains; the clipping is Pascanu et al. (2013) and the warmup-cosine
 * schedule is nanoGPT's. The equations are in each class's javadoc; {@code docs/04-training.md} explains them.
 *
 * <p>Around the steps: evaluation on random batches of train and val, early stopping on val loss,
 * checkpoints written atomically ({@link dev.quill.train.CheckpointStore}: temporary directory, then a
 * rename) with the optimizer's moments and every random stream, so {@code --resume} continues bit for bit;
 * {@code metrics.jsonl} ({@link dev.quill.train.MetricsLog}) and {@code loss.png}
 * ({@link dev.quill.train.LossPlot}). {@link dev.quill.train.TrainingRun} assembles a whole run from a
 * {@link dev.quill.config.RunConfig}: text, tokenizer, split, model, trainer, and {@code run.json}.
 *
 * <p>Several processes train one model by data parallelism ({@link dev.quill.train.DataParallel}, explained
 * in {@code docs/09-distributed.md}): each takes its rows of the global batch, and one all-reduce per step sums
 * the gradients over a {@link dev.quill.train.Collective}, which is Gloo over TCP
 * ({@link dev.quill.train.GlooCollective}) or NCCL between GPUs ({@code NcclCollective}, in the cuda build),
 * as {@link dev.quill.train.CollectiveKind} picks. {@link dev.quill.train.NativeLibraries} keeps workers that
 * start together from unpacking native libraries into the same cache at once.
 */
package dev.quill.train;
