package dev.quill.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.autograd.GradMode;
import dev.quill.autograd.MemoryScope;
import dev.quill.autograd.ProcessMemory;
import dev.quill.autograd.Tensor;
import dev.quill.autograd.Warmup;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.TrainConfig;
import dev.quill.data.Batch;
import dev.quill.data.BatchSource;
import dev.quill.data.Tokens;
import dev.quill.model.CheckpointChecksums;
import dev.quill.model.Safetensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a {@link TrainTask} on the batches of a {@link TrainData}. It knows nothing about GPTs: a step draws
 * {@code grad_accum_steps} micro-batches, back-propagates each loss scaled by 1 / grad_accum_steps (so the
 * summed gradient is that of the mean over all of them, as one big batch), clips the global gradient norm
 * and makes one AdamW update at the scheduled learning rate. Around the steps: evaluation, early stopping,
 * atomic checkpoints with exact resume, and metrics.
 *
 * <p>Each micro-batch's intermediates live in one {@link MemoryScope}, so memory is flat over a long run.
 */
public final class Trainer {

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private static final String OPTIMIZER = "optimizer.safetensors";

    /** How a run ended. */
    public enum Stop {
        /** All max_iters steps were made. */
        FINISHED,
        /** The validation loss stopped improving for early_stopping_patience evaluations. */
        EARLY_STOPPED,
        /** {@link #requestStop()} was called (Ctrl-C on the command line); last/ was written. */
        INTERRUPTED
    }

    /** What a run did: why it stopped, its last step, the last losses and where the checkpoints are. */
    public record Result(Stop stop, long step, double trainLoss, double valLoss, double bestValLoss, Path lastCheckpoint) {
    }

    private final TrainConfig cfg;
    private final TrainTask task;
    private final TrainData data;
    private final CheckpointStore store;
    private final LrSchedule schedule;
    private final AdamW optimizer;
    private final List<TrainListener> listeners = new ArrayList<>();
    private double peakGflops = Double.NaN;
    private DataParallel parallel = new DataParallel(Collective.single());
    private volatile boolean stopRequested;

    /**
     * Pre-training on random windows of {@code train}, evaluated on windows of both splits.
     *
     * @param cfg       the recipe: steps, batch size, accumulation, learning-rate schedule, AdamW, evaluation
     * @param task      the model and its loss; its trainable parameters, as they are now, are what AdamW updates
     * @param train     the training split's tokens; at least block_size + 1 of them
     * @param val       the validation split's tokens; shorter than a window means no val loss
     * @param blockSize tokens per window's inputs, the model's block_size or less
     * @param outDir    where checkpoints ({@code last/}, {@code best/}), metrics and the loss plot go
     * @throws BadInputException when {@code train} is shorter than block_size + 1 tokens
     */
    public Trainer(TrainConfig cfg, TrainTask task, Tokens train, Tokens val, int blockSize, Path outDir) {
        this(cfg, task, new WindowData(train, val, cfg.batchSize(), blockSize), outDir);
    }

    /**
     * Training on any {@link TrainData}.
     *
     * @param cfg    the recipe: steps, batch size, accumulation, learning-rate schedule, AdamW, evaluation
     * @param task   the model and its loss; its trainable parameters, as they are now, are what AdamW updates
     * @param data   the training stream and the evaluation batches
     * @param outDir where checkpoints ({@code last/}, {@code best/}), metrics and the loss plot go
     */
    public Trainer(TrainConfig cfg, TrainTask task, TrainData data, Path outDir) {
        this.cfg = cfg;
        this.task = task;
        this.data = data;
        this.store = new CheckpointStore(outDir);
        this.schedule = LrSchedule.of(cfg);
        this.optimizer = new AdamW(task.module().trainableParameters(), cfg.weightDecay(), cfg.beta1(), cfg.beta2(), cfg.eps());
    }

    /**
     * @param l hears about every step and metrics line
     * @return this trainer
     */
    public Trainer addListener(TrainListener l) {
        listeners.add(l);
        return this;
    }

    /**
     * Adds MFU to the metrics lines: tokens/s times the task's FLOPs per token, over this peak.
     *
     * @param gflops this process's GEMM peak in GFLOP/s, from {@link GemmPeak#measure} (NaN: no MFU, the default);
     *               a data-parallel run's MFU is over world_size times it
     * @return this trainer
     */
    public Trainer peakGflops(double gflops) {
        this.peakGflops = gflops;
        return this;
    }

    /**
     * Trains data-parallel over a group of processes ({@link DataParallel}): the data's batches are the global
     * batch, of which this process takes its rows; gradients and losses are summed over the group once per
     * step; only rank 0 writes metrics and checkpoints.
     *
     * @param group the processes; {@link Collective#single()} (the default) for plain training
     * @return this trainer
     */
    public Trainer collective(Collective group) {
        this.parallel = new DataParallel(group);
        return this;
    }

    /** {@return the optimizer, made in the constructor (its groups can be inspected before the run)} */
    public AdamW optimizer() {
        return optimizer;
    }

    /** Asks the run to stop after the current step; it writes last/ and returns {@link Stop#INTERRUPTED}. */
    public void requestStop() {
        stopRequested = true;
    }

    /**
     * Trains from scratch (or from the weights the task already holds).
     *
     * @return how the run ended
     * @throws IOException when a checkpoint or the metrics log cannot be written
     */
    public Result run() throws IOException {
        return run(false);
    }

    /**
     * Trains.
     *
     * @param resume continue exactly from {@code last/} of the output directory
     * @return how the run ended
     * @throws IOException when a checkpoint or the metrics log cannot be read or written
     */
    public Result run(boolean resume) throws IOException {
        List<Tensor> params = List.copyOf(task.module().trainableParameters().values());
        boolean writer = parallel.writer();                                    // rank 0 writes the run's files
        TrainState state = new TrainState(0, task.rng().state(), 0, Double.POSITIVE_INFINITY, 0, Double.NaN, 0);
        BatchSource sampler;
        if (resume) {
            Path last = store.resolve("last");
            if (last == null) {
                throw new BadInputException("--resume: no checkpoint to resume in " + store.root().resolve("last"));
            }
            CheckpointChecksums.verify(last);                   // every file, before any is read
            state = TrainState.read(last);
            task.load(last);
            optimizer.restore(Safetensors.read(last.resolve(OPTIMIZER)).tensors(), state.step());
            task.rng().restore(state.modelRngState());
            sampler = data.resumeTrainBatches(cfg.seed(), state.samplerState());
            LOG.info("resuming from {} at step {}", last, state.step());
        } else {
            sampler = data.trainBatches(cfg.seed());
        }
        if (parallel.rank() > 0) {
            // each rank draws its own dropout masks: rank r's stream is rank 0's moved r * 2^48 draws on. Every
            // rank draws as many numbers per step, so the distance holds, and a resume from rank 0's saved state
            // puts every rank back where it was
            task.rng().skip((long) parallel.rank() << 48);
        }
        long step = state.step();
        double bestVal = state.bestValLoss();
        int stale = state.evalsWithoutImprovement();
        double ema = state.trainLossEma();
        double elapsed = state.elapsedSeconds();
        double lastTrain = Double.NaN, lastVal = Double.NaN;
        int bad = 0;
        long tokensSinceLog = 0;
        double secondsSinceLog = 0;
        Stop stop = Stop.FINISHED;
        Path lastDir = store.resolve("last");
        long savedAt = resume ? step : -1;
        long tokensPerStep = data.tokensPerBatch() * cfg.gradAccumSteps();
        double flopsPerToken = task.flopsPerToken();                                    // for MFU
        // the step's scope reserved at its expected size (a sharded micro-batch on each of several processes)
        long scopeBytes = task.stepScopeBytes(data.tokensPerBatch() / parallel.worldSize());

        try (MetricsLog metrics = writer ? new MetricsLog(store.root().resolve("metrics.jsonl"), resume ? step : -1) : null) {
            Warmup.stop();                                  // the kernels' start-up compile (if any) ends here
            MemoryScope.collectBeforeSteps();               // start-up's garbage, before step 1 rather than during
            while (step < cfg.maxIters()) {
                if (parallel.worldSize() == 1 ? stopRequested : parallel.stopAgreed()) {
                    stop = Stop.INTERRUPTED;
                    break;
                }
                double lr = schedule.lr(step);
                long t0 = System.nanoTime();
                double loss = 0;
                double norm;
                task.module().train(true);
                // one scope per micro-batch: its activations are dropped as soon as its gradients have been
                // added into the parameters' (which live outside), so accumulation also lowers peak memory
                for (int micro = 0; micro < cfg.gradAccumSteps(); micro++) {
                    try (MemoryScope scope = MemoryScope.open("train-step", scopeBytes)) {
                        Tensor l = task.loss(parallel.shard(sampler.next()));
                        int shares = cfg.gradAccumSteps() * parallel.worldSize();
                        if (shares > 1) {
                            l = l.mul(1.0 / shares); // the mean over all micro-batches of every process
                        }
                        loss += l.item();
                        l.backward();
                    }
                }
                loss = parallel.allReduceGradients(params, loss, stopRequested);      // a no-op on one process
                try (MemoryScope scope = MemoryScope.open("update")) {
                    norm = GradClip.clip(params, cfg.gradClip());
                    if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
                        bad++;
                        task.module().zeroGrad();
                        LOG.warn("step {}: non-finite loss {} or gradient norm {}; update skipped ({} of at most {} in a row)",
                                step + 1, loss, norm, bad, cfg.maxBadSteps());
                        if (bad >= cfg.maxBadSteps()) {
                            throw new TrainingFailedException("training diverged: " + bad + " consecutive steps with a non-finite"
                                    + " loss or gradient at step " + (step + 1) + "; lower train.learning_rate or set train.grad_clip");
                        }
                        continue;
                    }
                    bad = 0;
                    optimizer.step(lr);
                    task.module().zeroGrad();
                }
                step++;
                double seconds = (System.nanoTime() - t0) / 1e9;
                elapsed += seconds;
                secondsSinceLog += seconds;
                tokensSinceLog += tokensPerStep;
                lastTrain = loss;
                ema = Double.isNaN(ema) ? loss : 0.9 * ema + 0.1 * loss;
                for (TrainListener l : listeners) {
                    l.onStep(step, cfg.maxIters(), loss, lr, tokensPerStep / seconds);
                }
                boolean last = step == cfg.maxIters();
                boolean evalNow = cfg.evalInterval() > 0 && (step % cfg.evalInterval() == 0 || last);
                boolean logNow = step % cfg.logIntervalSteps() == 0 || evalNow || last;
                ObjectNode line = null;
                if (logNow) {
                    line = ConfigJson.object();
                    line.put("step", step).put("train_loss", loss).put("train_loss_ema", ema).put("lr", lr)
                            .put("grad_norm", norm).put("tokens_per_sec", tokensSinceLog / secondsSinceLog)
                            .put("elapsed_s", elapsed).put("rss_mb", rssMb());
                    // the peak is one process's threads; tokens/s counts the whole group's global batch
                    double mfu = GemmPeak.mfu(tokensSinceLog / secondsSinceLog, flopsPerToken, peakGflops * parallel.worldSize());
                    if (Double.isFinite(mfu)) {
                        line.put("mfu", mfu);
                    }
                    double reduceMs = parallel.takeAllReduceMs();                  // data-parallel runs only
                    if (Double.isFinite(reduceMs)) {
                        line.put("allreduce_ms", reduceMs).put("world_size", parallel.worldSize());
                    }
                    tokensSinceLog = 0;
                    secondsSinceLog = 0;
                }
                boolean improved = false;
                if (evalNow) {
                    double trainEst = estimate(data.trainEstimateBatches(cfg.seed(), step, cfg.evalIters()));
                    lastVal = estimate(data.valBatches(cfg.seed(), step, cfg.evalIters()));
                    line.put("train_loss_est", trainEst);
                    if (Double.isFinite(lastVal)) {
                        line.put("val_loss", lastVal).put("val_ppl", Math.exp(lastVal));
                        improved = lastVal < bestVal - cfg.earlyStoppingMinDelta();
                        if (lastVal < bestVal) {
                            bestVal = lastVal;
                        }
                        stale = improved ? 0 : stale + 1;
                    }
                    LOG.info("step {}: train loss {}, val loss {}", step, fmt(trainEst), fmt(lastVal));
                }
                if (line != null) {
                    if (writer) {
                        metrics.write(line);
                    }
                    for (TrainListener l : listeners) {
                        l.onMetrics(line);
                    }
                }
                if (evalNow && writer) {
                    LossPlot.write(metrics.lines(), store.root().resolve("loss.png"));
                }
                boolean early = evalNow && cfg.earlyStoppingPatience() > 0 && stale >= cfg.earlyStoppingPatience();
                TrainState now = new TrainState(step, task.rng().state(), sampler.state(), bestVal, stale, ema, elapsed);
                if (improved && writer) {
                    store.write("best", dir -> task.save(dir));
                }
                boolean periodic = cfg.checkpointInterval() > 0 && step % cfg.checkpointInterval() == 0;
                if ((evalNow || periodic) && writer) {
                    lastDir = saveLast(now);
                    savedAt = step;
                    if (cfg.keepLast() > 0) {
                        store.write(CheckpointStore.stepName(step), dir -> writeFull(dir, now));
                        store.prune(cfg.keepLast());
                    }
                }
                if (early) {
                    LOG.info("early stopping at step {}: no val improvement of {} in {} evaluations", step,
                            cfg.earlyStoppingMinDelta(), stale);
                    stop = Stop.EARLY_STOPPED;
                    break;
                }
                if (last) {
                    break;
                }
            }
            // the run ends (finished, early stop, interrupt): the final state goes to last/
            TrainState end = new TrainState(step, task.rng().state(), sampler.state(), bestVal, stale, ema, elapsed);
            if (savedAt != step && writer) {
                lastDir = saveLast(end);
            }
        } catch (IOException e) {                               // metrics or the plot: the disk is full or read-only
            throw new CheckpointWriteException("in " + store.root(), store.resolve("last"), e);
        }
        return new Result(stop, step, lastTrain, lastVal, bestVal, lastDir);
    }

    private Path saveLast(TrainState s) throws IOException {
        return store.write("last", dir -> writeFull(dir, s));
    }

    private void writeFull(Path dir, TrainState s) throws IOException {
        task.save(dir);
        Safetensors.write(dir.resolve(OPTIMIZER), optimizer.state(), Map.of("step", Long.toString(optimizer.stepCount())));
        s.write(dir);
    }

    /**
     * Mean loss over the batches of an evaluation (NaN when there are none), in eval mode and without
     * recording a graph. Where they come from is the data's business ({@link TrainData}).
     */
    private double estimate(List<Batch> batches) {
        if (batches.isEmpty()) {
            return Double.NaN;
        }
        double sum = 0;
        double weights = 0;
        task.module().train(false);
        try (GradMode g = GradMode.off()) {
            for (int i = parallel.rank(); i < batches.size(); i += parallel.worldSize()) {  // this process's share
                Batch b = batches.get(i);
                // one scope per batch: a scope around all of them would learn (and keep) every
                // forward's worth of memory
                try (MemoryScope scope = MemoryScope.open("eval")) {
                    double w = data.weight(b);
                    sum += w * task.loss(b).item();
                    weights += w;
                }
            }
        } finally {
            task.module().train(true);
        }
        double[] sums = {sum, weights};
        parallel.allReduceSums(sums);
        sum = sums[0];
        weights = sums[1];
        return weights > 0 ? sum / weights : Double.NaN;
    }

    private static String fmt(double v) {
        return Double.isFinite(v) ? String.format("%.4f", v) : "n/a";
    }

    /** Resident memory of this process in MB (Linux), or -1. */
    static long rssMb() {
        return ProcessMemory.read().residentMb();
    }
}
