package dev.quill.cli;

import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.RunConfig;
import dev.quill.train.Trainer;
import dev.quill.train.TrainingRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code quill train}: trains a GPT from a run config. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a GPT from a run config (model, train and data sections).")
final class TrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE", description = "Run config JSON; values override the presets.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one value, e.g. train.max_iters=200 (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--data", paramLabel = "FILE", description = "Training text (overrides data.path).")
    Path data;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: out/<config name>).")
    Path out;

    @Option(names = "--resume", description = "Continue exactly from DIR/last/.")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        RunConfig cfg = RunConfig.load(config, sets);
        if (data != null) {
            if (!Files.isRegularFile(data)) {
                throw new BadInputException("--data " + data + ": no such file");
            }
            cfg = cfg.withData(cfg.data().withPath(data.toString()));
        }
        Path outDir = out != null ? out : Path.of("out", cfg.name());
        if (!resume && Files.isDirectory(outDir.resolve("last"))) {
            throw new BadInputException(outDir + " already holds a run; use --resume to continue it or --out for a new directory");
        }
        TrainingRun run = TrainingRun.prepare(cfg, outDir, resume);
        var err = spec.commandLine().getErr();
        err.println("config: " + ConfigJson.MAPPER.writeValueAsString(run.config().toJson()));
        err.println("parameters: " + run.task().model().parameterCount() + " (" + run.task().model().parameterCountWithoutPositions()
                + " without position embeddings); decayed tensors: " + run.trainer().optimizer().decayed().size()
                + " of " + run.task().model().parameters().size());
        run.trainer().addListener(new ProgressListener(err, System.console() != null));

        // Ctrl-C: stop after the current step, write last/, exit 130
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            run.trainer().requestStop();
            try {
                done.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "quill-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        Trainer.Result r;
        try {
            r = run.run();
        } finally {
            done.countDown();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is already exiting because of Ctrl-C
        }
        var line = ConfigJson.object().put("stop", r.stop().name().toLowerCase()).put("step", r.step())
                .put("checkpoint", String.valueOf(r.lastCheckpoint()));
        if (Double.isFinite(r.valLoss())) {
            line.put("val_loss", r.valLoss());
        }
        spec.commandLine().getOut().println(ConfigJson.MAPPER.writeValueAsString(line));
        return r.stop() == Trainer.Stop.INTERRUPTED ? QuillCommand.INTERRUPTED : QuillCommand.OK;
    }
}
