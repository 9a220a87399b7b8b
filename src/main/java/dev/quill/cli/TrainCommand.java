package dev.quill.cli;

import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.RunConfig;
import dev.quill.train.Collective;
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
        if (!resume && Files.isDirectory(outDir.resolve("last"))) {
            throw new BadInputException(outDir + " already holds a run; use --resume to continue it or --out for a new directory");
        }
        // under quill launch, torchrun, srun or mpirun: one process of a data-parallel group (docs/09-distributed.md)
        try (Collective group = Collective.fromEnvironment(System.getenv())) {
            return train(cfg, outDir, group);
        }
    }

    private int train(RunConfig cfg, Path outDir, Collective group) throws Exception {
        TrainingRun training = TrainingRun.prepare(cfg, outDir, resume, group);
        var err = spec.commandLine().getErr();
        if (group.rank() != 0) {                        // rank 0 speaks for the group; the others train quietly
            Trainer.Result r = StopOnInterrupt.run(training.trainer()::requestStop, training::run);
            return r.stop() == Trainer.Stop.INTERRUPTED ? QuillCommand.INTERRUPTED : QuillCommand.OK;
        }
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
