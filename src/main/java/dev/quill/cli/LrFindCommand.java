package dev.quill.cli;

import dev.quill.config.RunConfig;
import dev.quill.train.LrFinder;
import dev.quill.train.TrainingRun;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code quill lr-find}: the learning-rate range test; prints the suggestion and where the plot is. */
@Command(name = "lr-find", mixinStandardHelpOptions = true,
        description = "Run the LR range test on a run config and suggest a learning rate.")
final class LrFindCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RunOptions run;

    @Option(names = "--steps", defaultValue = "200", description = "Steps of the test (default 200).")
    int steps;

    @Option(names = "--start-lr", defaultValue = "1e-7", description = "First learning rate (default 1e-7).")
    double startLr;

    @Option(names = "--end-lr", defaultValue = "10", description = "Last learning rate (default 10).")
    double endLr;

    @Override
    public Integer call() throws Exception {
        RunConfig cfg = run.load();
        Path dir = run.outDir(cfg);
        LrFinder.Result r = TrainingRun.prepare(cfg, dir, false).lrFinder().run(startLr, endLr, steps);
        LrFinder.write(r, dir);
        spec.commandLine().getErr().println("plot: " + dir.resolve("lr_find.png") + ", curve: " + dir.resolve("lr_find.jsonl"));
        spec.commandLine().getOut().printf("%.3g%n", r.suggestion());
        return QuillCommand.OK;
    }
}
