package dev.quill.cli;

import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.RunConfig;
import dev.quill.train.RunLock;
import dev.quill.train.Trainer;
import dev.quill.train.TrainingRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code quill train}: trains a GPT from a run config. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a GPT from a run config (model, train and data sections).")
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RunOptions run;

    @Option(names = "--resume", description = "Continue exactly from DIR/last/.")
    boolean resume;

    @Mixin
    PeakOption peak;

    @Override
    public Integer call() throws Exception {
        peak.check();
        RunConfig cfg = run.load();
        Path outDir = run.outDir(cfg);
        try (RunLock lock = RunLock.acquire(outDir)) {      // one run per directory
            return train(cfg, outDir);
        }
    }

    private Integer train(RunConfig cfg, Path outDir) throws Exception {
        if (!resume && Files.isDirectory(outDir.resolve("last"))) {
            throw new BadInputException(outDir + " already holds a run; use --resume to continue it or --out for a new directory");
        }
        TrainingRun training = TrainingRun.prepare(cfg, outDir, resume);
        var err = spec.commandLine().getErr();
        err.println("config: " + ConfigJson.MAPPER.writeValueAsString(training.config().toJson()));
        err.println("parameters: " + training.task().model().parameterCount() + " (" + training.task().model().parameterCountWithoutPositions()
                + " without position embeddings); decayed tensors: " + training.trainer().optimizer().decayed().size()
                + " of " + training.task().model().trainableParameters().size() + " trainable");
        training.trainer().peakGflops(peak.peak(err)).addListener(new ProgressListener(err, System.console() != null));

        // Ctrl-C: stop after the current step, write last/, exit 130
        Trainer.Result r = StopOnInterrupt.run(training.trainer()::requestStop, training::run);
        var line = ConfigJson.object().put("stop", r.stop().name().toLowerCase()).put("step", r.step())
                .put("checkpoint", String.valueOf(r.lastCheckpoint()));
        if (Double.isFinite(r.valLoss())) {
            line.put("val_loss", r.valLoss());
        }
        spec.commandLine().getOut().println(ConfigJson.MAPPER.writeValueAsString(line));
        return r.stop() == Trainer.Stop.INTERRUPTED ? QuillCommand.INTERRUPTED : QuillCommand.OK;
    }
}
