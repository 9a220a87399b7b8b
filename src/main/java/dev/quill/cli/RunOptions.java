package dev.quill.cli;

import dev.quill.config.BadInputException;
import dev.quill.config.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options that name a run, shared by {@code train} and {@code lr-find} (a picocli mixin). */
final class RunOptions {

    @Option(names = "--config", paramLabel = "FILE", description = "Run config JSON; values override the presets.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one value, e.g. train.max_iters=200 (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--data", paramLabel = "FILE", description = "Training text (overrides data.path).")
    Path data;

    @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: out/<config name>).")
    Path out;

    /** Presets, then the file, then --set, then --data. */
    RunConfig load() {
        RunConfig cfg = RunConfig.load(config, sets);
        if (data != null) {
            if (!Files.isRegularFile(data)) {
                throw new BadInputException("--data " + data + ": no such file");
            }
            cfg = cfg.withData(cfg.data().withPath(data.toString()));
        }
        return cfg;
    }

    /** --out, or out/&lt;config name&gt;. */
    Path outDir(RunConfig cfg) {
        return out != null ? out : Path.of("out", cfg.name());
    }
}
