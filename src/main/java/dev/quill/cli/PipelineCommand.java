package dev.quill.cli;

import dev.quill.config.ConfigJson;
import dev.quill.train.Pipeline;
import dev.quill.train.RunLock;
import dev.quill.train.Trainer;
import dev.quill.train.TrainingRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code quill pipeline}: continued pre-training, then instruction tuning from its best checkpoint. */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = "Run continued pre-training, then SFT from its best checkpoint (by val loss), into one directory.")
final class PipelineCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", required = true,
            description = "Pipeline JSON: {\"pretrain\": CONFIG, \"sft\": CONFIG}, each a run config object or file.")
    Path config;

    @Option(names = "--set", paramLabel = "STAGE.KEY=VALUE",
            description = "Override one value of a stage, e.g. pretrain.train.max_iters=200 (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: out/<pipeline name>); stages go to DIR/pretrain and DIR/sft.")
    Path out;

    @Option(names = "--resume", description = "Continue an unfinished pipeline: finished stages are kept, the current one resumes from its last/.")
    boolean resume;

    @Mixin
    PeakOption peak;

    @Override
    public Integer call() throws Exception {
        peak.check();
        Pipeline pipeline = Pipeline.load(config, sets);
        Path outDir = out != null ? out : Path.of("out", pipeline.name());
        try (RunLock lock = RunLock.acquire(outDir)) {      // one run per directory
            return run(pipeline, outDir);
        }
    }

    private Integer run(Pipeline pipeline, Path outDir) throws Exception {
        var err = spec.commandLine().getErr();
        if (java.nio.file.Files.exists(outDir) && !java.nio.file.Files.isDirectory(outDir)) {
            throw new dev.quill.config.BadInputException("--out " + outDir + ": is a file; give a directory");
        }
        AtomicReference<TrainingRun> current = new AtomicReference<>();
        AtomicReference<ProgressListener> progress = new AtomicReference<>();
        StopOnSignal.Outcome<Pipeline.Result> outcome;
        try {
            outcome = StopOnSignal.run(err, () -> {  // SIGINT or SIGTERM: the current stage stops and writes last/
                TrainingRun r = current.get();
                if (r != null) {
                    r.trainer().requestStop();
                }
            }, () -> pipeline.run(outDir, resume, run -> {
                current.set(run);
                err.println("stage config: " + ConfigJson.MAPPER.valueToTree(run.config().toJson()));
                ProgressListener p = new ProgressListener(err, StderrTerminal.isTerminal());
                ProgressListener before = progress.getAndSet(p);
                if (before != null) {
                    before.finish();
                }
                run.trainer().addListener(p);
                peak.watch(run.trainer(), err);
            }));
        } finally {
            if (progress.get() != null) {
                progress.get().finish();
            }
        }
        Pipeline.Result result = outcome.result();
        boolean interrupted = false;
        var line = ConfigJson.object();
        for (Pipeline.StageResult s : result.stages()) {
            var o = line.putObject(s.stage()).put("dir", s.outDir().toString());
            if (s.result() == null) {
                o.put("stop", "already_finished");
                continue;
            }
            o.put("stop", s.result().stop().name().toLowerCase()).put("step", s.result().step());
            if (Double.isFinite(s.result().bestValLoss())) {
                o.put("best_val_loss", s.result().bestValLoss());
            }
            interrupted |= s.result().stop() == Trainer.Stop.INTERRUPTED;
        }
        spec.commandLine().getOut().println(ConfigJson.MAPPER.writeValueAsString(line));
        return interrupted ? outcome.interruptedCode() : QuillCommand.OK;
    }
}
