package dev.quill.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * How to train, with nanoGPT's key names where nanoGPT has them. A step is one optimizer update.
 *
 * @param batchSize             {@code batch_size}: sequences per micro-batch
 * @param maxIters              {@code max_iters}: optimizer steps in the run
 * @param learningRate          {@code learning_rate}: peak learning rate
 * @param minLr                 {@code min_lr}: floor of the decay
 * @param warmupIters           {@code warmup_iters}: steps of linear warmup
 * @param lrDecayIters          {@code lr_decay_iters}: step at which the decay reaches min_lr
 * @param schedule              {@code schedule}: "cosine", "linear" or "constant"
 * @param weightDecay           {@code weight_decay}: AdamW's decoupled decay (matrices and embeddings only)
 * @param beta1                 {@code beta1}
 * @param beta2                 {@code beta2}
 * @param eps                   {@code eps}: AdamW's denominator epsilon
 * @param gradClip              {@code grad_clip}: clip the global gradient norm to this (0 = off)
 * @param gradAccumSteps        {@code grad_accum_steps}: micro-batches per step
 * @param evalInterval          {@code eval_interval}: steps between evaluations (0 = off; the last step is always evaluated unless off)
 * @param evalIters             {@code eval_iters}: batches per loss estimate
 * @param logIntervalSteps      {@code log_interval}: steps between metric lines
 * @param seed                  {@code seed}: fixes init, dropout and batches
 * @param earlyStoppingPatience {@code early_stopping_patience}: evaluations without improvement before stopping (0 = off)
 * @param earlyStoppingMinDelta {@code early_stopping_min_delta}: the improvement that counts
 * @param maxBadSteps           {@code max_bad_steps}: consecutive non-finite steps before the run fails
 * @param checkpointInterval    {@code checkpoint_interval}: steps between checkpoints to last/ (0 = only at evaluations and the end)
 * @param keepLast              {@code keep_last}: older step checkpoints kept beside last/ and best/
 * @param initFrom              {@code init_from}: "scratch" or a checkpoint directory to start from
 */
public record TrainConfig(int batchSize, int maxIters, double learningRate, double minLr, int warmupIters,
                          int lrDecayIters, String schedule, double weightDecay, double beta1, double beta2, double eps,
                          double gradClip, int gradAccumSteps, int evalInterval, int evalIters, int logIntervalSteps,
                          long seed, int earlyStoppingPatience, double earlyStoppingMinDelta, int maxBadSteps,
                          int checkpointInterval, int keepLast, String initFrom) {

    /** The JSON keys, in the order {@link #toJson()} writes them. */
    public static final List<String> KEYS = List.of("batch_size", "max_iters", "learning_rate", "min_lr",
            "warmup_iters", "lr_decay_iters", "schedule", "weight_decay", "beta1", "beta2", "eps", "grad_clip",
            "grad_accum_steps", "eval_interval", "eval_iters", "log_interval", "seed", "early_stopping_patience",
            "early_stopping_min_delta", "max_bad_steps", "checkpoint_interval", "keep_last", "init_from");

    private static final String S = "train";

    /**
     * Validates every field; a bad value fails naming the key, the value and what is allowed.
     *
     * @param batchSize             at least 1
     * @param maxIters              0 or more (0 trains nothing: useful to evaluate or save an initialization)
     * @param learningRate          positive and finite
     * @param minLr                 in [0, learningRate]
     * @param warmupIters           0 or more
     * @param lrDecayIters          0 or more
     * @param schedule              "cosine", "linear" or "constant"
     * @param weightDecay           0 or more
     * @param beta1                 in [0, 1)
     * @param beta2                 in [0, 1)
     * @param eps                   positive
     * @param gradClip              0 (off) or positive
     * @param gradAccumSteps        at least 1
     * @param evalInterval          0 (off) or positive
     * @param evalIters             at least 1
     * @param logIntervalSteps      at least 1
     * @param seed                  any
     * @param earlyStoppingPatience 0 (off) or more
     * @param earlyStoppingMinDelta 0 or more
     * @param maxBadSteps           at least 1
     * @param checkpointInterval    0 or more
     * @param keepLast              0 or more
     * @param initFrom              "scratch" or a checkpoint directory (not blank)
     * @throws BadInputException for the first rule broken
     */
    public TrainConfig {
        ConfigJson.require(batchSize >= 1, S, "batch_size", batchSize, "must be at least 1");
        ConfigJson.require(maxIters >= 0, S, "max_iters", maxIters, "must be 0 or more");
        ConfigJson.require(learningRate > 0 && Double.isFinite(learningRate), S, "learning_rate", learningRate, "must be positive");
        ConfigJson.require(minLr >= 0 && minLr <= learningRate, S, "min_lr", minLr, "must be in [0, learning_rate = " + learningRate + "]");
        ConfigJson.require(warmupIters >= 0, S, "warmup_iters", warmupIters, "must be 0 or more");
        ConfigJson.require(lrDecayIters >= 0, S, "lr_decay_iters", lrDecayIters, "must be 0 or more");
        ConfigJson.require(List.of("cosine", "linear", "constant").contains(schedule), S, "schedule", schedule,
                "must be \"cosine\", \"linear\" or \"constant\"");
        ConfigJson.require(weightDecay >= 0, S, "weight_decay", weightDecay, "must be 0 or more");
        ConfigJson.require(beta1 >= 0 && beta1 < 1, S, "beta1", beta1, "must be in [0, 1)");
        ConfigJson.require(beta2 >= 0 && beta2 < 1, S, "beta2", beta2, "must be in [0, 1)");
        ConfigJson.require(eps > 0, S, "eps", eps, "must be positive");
        ConfigJson.require(gradClip >= 0, S, "grad_clip", gradClip, "must be 0 (off) or positive");
        ConfigJson.require(gradAccumSteps >= 1, S, "grad_accum_steps", gradAccumSteps, "must be at least 1");
        ConfigJson.require(evalInterval >= 0, S, "eval_interval", evalInterval, "must be 0 (off) or positive");
        ConfigJson.require(evalIters >= 1, S, "eval_iters", evalIters, "must be at least 1");
        ConfigJson.require(logIntervalSteps >= 1, S, "log_interval", logIntervalSteps, "must be at least 1");
        ConfigJson.require(earlyStoppingPatience >= 0, S, "early_stopping_patience", earlyStoppingPatience, "must be 0 (off) or more");
        ConfigJson.require(earlyStoppingMinDelta >= 0, S, "early_stopping_min_delta", earlyStoppingMinDelta, "must be 0 or more");
        ConfigJson.require(maxBadSteps >= 1, S, "max_bad_steps", maxBadSteps, "must be at least 1");
        ConfigJson.require(checkpointInterval >= 0, S, "checkpoint_interval", checkpointInterval, "must be 0 or more");
        ConfigJson.require(keepLast >= 0, S, "keep_last", keepLast, "must be 0 or more");
        ConfigJson.require(initFrom != null && !initFrom.isBlank(), S, "init_from", initFrom,
                "must be \"scratch\" or a checkpoint directory");
    }

    /** {@return nanoGPT's CPU "baby" recipe for tiny Shakespeare (config/train_shakespeare_char.py, scaled for a CPU)} */
    public static TrainConfig shakespeareCharBaby() {
        return new TrainConfig(12, 2000, 1e-3, 1e-4, 100, 2000, "cosine", 0.1, 0.9, 0.99, 1e-8, 1.0, 1, 250, 20, 10,
                1337, 0, 0.0, 5, 0, 0, "scratch");
    }

    /**
     * {@return nanoGPT's 6x6x384 character recipe: 64 sequences per step, 5000 steps, lr 1e-3, warmup 100} The 64
     * are 8 micro-batches of 8 (batch_size 8, grad_accum_steps 8): the same update, with the activation memory
     * of 8 sequences (a step's peak ~3.5 GB instead of ~20 GB on the CPU); a GPU with the memory can take
     * batch_size 64 and grad_accum_steps 1.
     */
    public static TrainConfig shakespeareChar() {
        return new TrainConfig(8, 5000, 1e-3, 1e-4, 100, 5000, "cosine", 0.1, 0.9, 0.99, 1e-8, 1.0, 8, 250, 200, 10,
                1337, 0, 0.0, 5, 0, 0, "scratch");
    }

    /**
     * Reads the keys present in {@code n} over the values of {@code d}.
     *
     * @param n the {@code train} section
     * @param d the values of the keys that {@code n} leaves out
     * @return the merged, validated config
     * @throws BadInputException for an unknown key, a wrong type or a value out of range
     */
    public static TrainConfig fromJson(JsonNode n, TrainConfig d) {
        ConfigJson.checkKeys(S, n, KEYS);
        return new TrainConfig(
                ConfigJson.getInt(S, n, "batch_size", d.batchSize), ConfigJson.getInt(S, n, "max_iters", d.maxIters),
                ConfigJson.getDouble(S, n, "learning_rate", d.learningRate), ConfigJson.getDouble(S, n, "min_lr", d.minLr),
                ConfigJson.getInt(S, n, "warmup_iters", d.warmupIters), ConfigJson.getInt(S, n, "lr_decay_iters", d.lrDecayIters),
                ConfigJson.getString(S, n, "schedule", d.schedule), ConfigJson.getDouble(S, n, "weight_decay", d.weightDecay),
                ConfigJson.getDouble(S, n, "beta1", d.beta1), ConfigJson.getDouble(S, n, "beta2", d.beta2),
                ConfigJson.getDouble(S, n, "eps", d.eps), ConfigJson.getDouble(S, n, "grad_clip", d.gradClip),
                ConfigJson.getInt(S, n, "grad_accum_steps", d.gradAccumSteps), ConfigJson.getInt(S, n, "eval_interval", d.evalInterval),
                ConfigJson.getInt(S, n, "eval_iters", d.evalIters), ConfigJson.getInt(S, n, "log_interval", d.logIntervalSteps),
                ConfigJson.getLong(S, n, "seed", d.seed), ConfigJson.getInt(S, n, "early_stopping_patience", d.earlyStoppingPatience),
                ConfigJson.getDouble(S, n, "early_stopping_min_delta", d.earlyStoppingMinDelta),
                ConfigJson.getInt(S, n, "max_bad_steps", d.maxBadSteps), ConfigJson.getInt(S, n, "checkpoint_interval", d.checkpointInterval),
                ConfigJson.getInt(S, n, "keep_last", d.keepLast), ConfigJson.getString(S, n, "init_from", d.initFrom));
    }

    /** {@return every key, in {@link #KEYS} order} */
    public ObjectNode toJson() {
        ObjectNode o = ConfigJson.object();
        o.put("batch_size", batchSize).put("max_iters", maxIters).put("learning_rate", learningRate).put("min_lr", minLr)
                .put("warmup_iters", warmupIters).put("lr_decay_iters", lrDecayIters).put("schedule", schedule)
                .put("weight_decay", weightDecay).put("beta1", beta1).put("beta2", beta2).put("eps", eps)
                .put("grad_clip", gradClip).put("grad_accum_steps", gradAccumSteps).put("eval_interval", evalInterval)
                .put("eval_iters", evalIters).put("log_interval", logIntervalSteps).put("seed", seed)
                .put("early_stopping_patience", earlyStoppingPatience).put("early_stopping_min_delta", earlyStoppingMinDelta)
                .put("max_bad_steps", maxBadSteps).put("checkpoint_interval", checkpointInterval).put("keep_last", keepLast)
                .put("init_from", initFrom);
        return o;
    }
}
