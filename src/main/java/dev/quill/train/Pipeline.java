package dev.quill.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Continued pre-training, then instruction tuning from its best checkpoint, in one call. A pipeline file
 * names the two stages, each a run config (inline, or the path of a config file relative to the pipeline
 * file):
 *
 * <pre>
 * {"pretrain": "shakespeare-char-baby.json", "sft": {"train": {...}, "sft": {...}}}
 * </pre>
 *
 * Stage outputs go to {@code OUT/pretrain/} and {@code OUT/sft/}. The SFT stage starts from
 * {@code OUT/pretrain/best/} (the lowest val loss seen; {@code last/} when the stage never evaluated), so its
 * {@code train.init_from} is set here and must not be given; its {@code model} and {@code data} sections
 * default to the pre-training stage's. A stage whose {@code run.json} records an end is done; with
 * {@code resume}, an unfinished stage continues from its {@code last/}.
 */
public final class Pipeline {

    private static final Logger LOG = LoggerFactory.getLogger(Pipeline.class);

    /** The stage names, in order; also the keys of the pipeline file and the output subdirectories. */
    public static final List<String> STAGES = List.of("pretrain", "sft");

    private final String name;
    private final ObjectNode pretrain;
    private final ObjectNode sft;
    private final List<String> pretrainSets;
    private final List<String> sftSets;

    /** The result of each stage that ran (or had already run), in order. */
    public record Result(List<StageResult> stages) {
    }

    /** One stage: its name, its output directory, and the trainer's result (null when it had already finished). */
    public record StageResult(String stage, Path outDir, Trainer.Result result) {
    }

    private Pipeline(String name, ObjectNode pretrain, ObjectNode sft, List<String> pretrainSets, List<String> sftSets) {
        this.name = name;
        this.pretrain = pretrain;
        this.sft = sft;
        this.pretrainSets = pretrainSets;
        this.sftSets = sftSets;
    }

    /**
     * Reads a pipeline file. {@code sets} are {@code stage.section.key=value} overrides, e.g.
     * {@code pretrain.train.max_iters=200} or {@code sft.sft.mix_ratio=0.2}.
     *
     * @param file the pipeline file: a JSON object with exactly the stages {@code pretrain} and {@code sft},
     *             each a run config object or a config file path relative to {@code file}
     * @param sets overrides, each starting with its stage name; the rest is checked when a stage's config is
     *             built ({@link #pretrainConfig()}, {@link #sftConfig(Path)})
     * @return the pipeline, its stage configs not yet resolved
     * @throws BadInputException when a file is missing or malformed, a stage is missing or unknown, the SFT
     *                           stage sets {@code train.init_from}, or an override names no stage
     */
    public static Pipeline load(Path file, List<String> sets) {
        JsonNode root = ConfigJson.readObject(file, "pipeline", "a JSON object with stages pretrain and sft");
        ConfigJson.checkKeys("pipeline", root, STAGES);
        for (String stage : STAGES) {
            if (!root.has(stage)) {
                throw new BadInputException("pipeline " + file + ": missing stage \"" + stage + "\" (a run config object or file)");
            }
        }
        Path base = file.toAbsolutePath().getParent();
        ObjectNode pre = stageConfig(root.get("pretrain"), base, "pretrain");
        ObjectNode tune = stageConfig(root.get("sft"), base, "sft");
        if (tune.path("train").has("init_from")) {
            throw new BadInputException("pipeline " + file + ": sft.train.init_from is set by the pipeline (the pretrain stage's"
                    + " best checkpoint); remove it");
        }
        for (String section : List.of("model", "data")) {
            if (!tune.has(section) && pre.has(section)) {
                tune.set(section, pre.get(section).deepCopy());
            }
        }
        List<String> preSets = new ArrayList<>();
        List<String> tuneSets = new ArrayList<>();
        for (String set : sets) {
            int dot = set.indexOf('.');
            String stage = dot < 0 ? "" : set.substring(0, dot);
            if (stage.equals("pretrain")) {
                preSets.add(set.substring(dot + 1));
            } else if (stage.equals("sft")) {
                tuneSets.add(set.substring(dot + 1));
            } else {
                throw new BadInputException("--set " + set + ": expected stage.section.key=value with stage pretrain or sft,"
                        + " e.g. pretrain.train.max_iters=200");
            }
        }
        String name = file.getFileName().toString().replaceFirst("\\.json$", "");
        return new Pipeline(name, pre, tune, preSets, tuneSets);
    }

    /** {@return the pipeline's name (its file's base name), for the default output directory} */
    public String name() {
        return name;
    }

    /**
     * {@return the pre-training stage's config, overrides applied, named after the pipeline plus
     * {@code -pretrain}}
     *
     * @throws BadInputException for an unknown section or key, a wrong type or a value out of range
     */
    public RunConfig pretrainConfig() {
        return RunConfig.fromJson(name + "-pretrain", pretrain.deepCopy(), pretrainSets);
    }

    /**
     * The SFT stage's config, overrides applied, named after the pipeline plus {@code -sft}.
     *
     * @param initFrom the checkpoint directory the stage starts from, written as {@code train.init_from}
     * @return the resolved config
     * @throws BadInputException for an unknown section or key, a wrong type or a value out of range
     */
    public RunConfig sftConfig(Path initFrom) {
        ObjectNode o = sft.deepCopy();
        ObjectNode train = o.has("train") ? (ObjectNode) o.get("train") : o.putObject("train");
        train.put("init_from", initFrom.toString());
        return RunConfig.fromJson(name + "-sft", o, sftSets);
    }

    /**
     * Runs the stages in order, skipping a stage whose run.json records a finished run. Stops after the
     * pre-training stage when it was interrupted.
     *
     * @param outDir  the pipeline's output directory; the stages write {@code pretrain/} and {@code sft/}
     *                under it
     * @param resume  continue a stage whose directory already holds a run (from its {@code last/}); without
     *                it, such a directory fails
     * @param onStart sees each stage's run before it trains (to attach a progress display or a stop handle)
     * @return the stages that ran or had already finished, in order
     * @throws BadInputException for a bad stage config, a stage directory that holds a run without
     *                           {@code resume}, or a pre-training stage that left no checkpoint
     * @throws IOException       when a checkpoint, log or record cannot be read or written
     */
    public Result run(Path outDir, boolean resume, Consumer<TrainingRun> onStart) throws IOException {
        List<StageResult> done = new ArrayList<>();
        Path preDir = outDir.resolve("pretrain");
        StageResult pre = stage("pretrain", pretrainConfig(), preDir, resume, onStart);
        done.add(pre);
        if (pre.result() != null && pre.result().stop() == Trainer.Stop.INTERRUPTED) {
            return new Result(done);
        }
        Path best = new CheckpointStore(preDir).resolve("best");
        Path from = best != null ? best : new CheckpointStore(preDir).resolve("last");
        if (from == null) {
            throw new BadInputException("pipeline: the pretrain stage left no checkpoint in " + preDir);
        }
        LOG.info("pipeline: instruction tuning starts from {}", from);
        done.add(stage("sft", sftConfig(from), outDir.resolve("sft"), resume, onStart));
        return new Result(done);
    }

    private static StageResult stage(String stage, RunConfig cfg, Path dir, boolean resume, Consumer<TrainingRun> onStart)
            throws IOException {
        boolean started = Files.isDirectory(dir.resolve("last"));
        if (started && !resume) {
            throw new BadInputException(dir + " already holds a run; use --resume to continue the pipeline or --out for a new directory");
        }
        if (finished(dir)) {
            LOG.info("pipeline: stage {} already finished in {}", stage, dir);
            return new StageResult(stage, dir, null);
        }
        LOG.info("pipeline: stage {} -> {}", stage, dir);
        try (RunLock lock = RunLock.acquire(dir)) {       // a `quill train` on the stage's directory is refused
            TrainingRun run = TrainingRun.prepare(cfg, dir, started);
            onStart.accept(run);
            return new StageResult(stage, dir, run.run());
        }
    }

    /** A stage is finished when its run.json records an end that was not an interruption. */
    static boolean finished(Path dir) throws IOException {
        Path record = dir.resolve("run.json");
        if (!Files.exists(record)) {
            return false;
        }
        JsonNode r = ConfigJson.MAPPER.readTree(Files.readString(record));
        return r.has("end") && !"interrupted".equals(r.path("stop").asText());
    }

    private static ObjectNode stageConfig(JsonNode node, Path base, String stage) {
        if (node.isTextual()) {
            return ConfigJson.readObject(base.resolve(node.asText()), "pipeline stage " + stage, "a run config object");
        }
        if (!node.isObject()) {
            throw new BadInputException("pipeline stage " + stage + ": expected a run config object or a file name, got " + node);
        }
        return ((ObjectNode) node).deepCopy();
    }
}
