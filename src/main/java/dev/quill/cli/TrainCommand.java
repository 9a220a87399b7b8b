package dev.quill.cli;

import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.ModelConfig;
import dev.quill.autograd.Warmup;
import dev.quill.config.RunConfig;
import dev.quill.train.Collective;
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

/**
 * {@code quill train}: trains a GPT from a run config ({@code --config} is required; {@code --resume --out
 * DIR} alone continues DIR's run with the config it recorded). SIGINT or SIGTERM stops it after the current
 * step with {@code last/} written ({@link StopOnSignal}).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a GPT from a run config (model, train and data sections). Ctrl-C or SIGTERM finishes the "
                + "current step, writes last/ and exits 130 or 143.")
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RunOptions run;

    @Option(names = "--resume", description = "Continue exactly from DIR/last/ (without --config: with DIR's recorded config).")
    boolean resume;

    @Mixin
    PeakOption peak;

    @Override
    public Integer call() throws Exception {
        peak.check();
        // compiles the step's Java kernels on the idle core while the config and ND4J load and the model is
        // built (see Warmup): on a small model's sizes first (Main has started that already), on the run's once
        // the config is read
        Warmup.compile(Warmup.ModelSizes.SMALL);
        RunConfig cfg = run.loadForTrain(resume);
        ModelConfig m = cfg.model();
        Warmup.compile(new Warmup.ModelSizes(m.blockSize(), m.nEmbd(), m.nHead(), m.mlpWidth(), m.vocabSize(),
                m.activation() == ModelConfig.Activation.GELU_TANH, m.dropout()));
        Path outDir = run.outDir(cfg);
        // under quill launch, torchrun, srun or mpirun: one process of a data-parallel group (docs/09-distributed.md);
        // the ranks of one launch are one run, so only rank 0 takes the directory's lock
        try (Collective group = Collective.fromEnvironment(System.getenv());
             RunLock lock = RunLock.acquire(outDir, group.rank())) {
            if (!resume && Files.isDirectory(outDir.resolve("last"))) {
                throw new BadInputException(outDir + " already holds a run; use --resume to continue it or --out for a new directory");
            }
            return train(cfg, outDir, group);
        }
    }

    private int train(RunConfig cfg, Path outDir, Collective group) throws Exception {
        TrainingRun training = TrainingRun.prepare(cfg, outDir, resume, group);
        var err = spec.commandLine().getErr();
        if (group.rank() != 0) {                        // rank 0 speaks for the group; the others train quietly
            StopOnSignal.Outcome<Trainer.Result> quiet = StopOnSignal.run(err, training.trainer()::requestStop, training::run);
            return quiet.result().stop() == Trainer.Stop.INTERRUPTED ? quiet.interruptedCode() : QuillCommand.OK;
        }
        err.println("config: " + ConfigJson.MAPPER.writeValueAsString(training.config().toJson()));
        err.println("parameters: " + training.task().model().parameterCount() + " (" + training.task().model().parameterCountWithoutPositions()
                + " without position embeddings); decayed tensors: " + training.trainer().optimizer().decayed().size()
                + " of " + training.task().model().trainableParameters().size() + " trainable");
        ProgressListener progress = new ProgressListener(err, StderrTerminal.isTerminal());
        training.trainer().addListener(progress);
        peak.watch(training.trainer(), err);

        // SIGINT (Ctrl-C) or SIGTERM: stop after the current step, write last/, exit 130 or 143
        StopOnSignal.Outcome<Trainer.Result> outcome;
        try {
            outcome = StopOnSignal.run(err, training.trainer()::requestStop, training::run);
        } finally {
            progress.finish();
        }
        Trainer.Result r = outcome.result();
        var line = ConfigJson.object().put("stop", r.stop().name().toLowerCase()).put("step", r.step())
                .put("checkpoint", String.valueOf(r.lastCheckpoint()));
        if (Double.isFinite(r.valLoss())) {
            line.put("val_loss", r.valLoss());
        }
        spec.commandLine().getOut().println(ConfigJson.MAPPER.writeValueAsString(line));
        return r.stop() == Trainer.Stop.INTERRUPTED ? outcome.interruptedCode() : QuillCommand.OK;
    }
}
