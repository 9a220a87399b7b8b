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

    @Option(names = "--skip-bad-lines", description = "Instruction tuning: skip malformed lines of the sft data (counted and "
            + "reported by reason and line) instead of stopping at the first (sets sft.skip_bad_lines).")
    boolean skipBadLines;

    /** Presets, then the file, then --set, then --data. */
    RunConfig load() {
        RunConfig cfg = RunConfig.load(config, sets);
        if (skipBadLines) {
            if (cfg.sft() == null) {
                throw new BadInputException("--skip-bad-lines is for instruction tuning, and this config has no sft section");
            }
            List<String> more = new ArrayList<>(sets);
            more.add("sft.skip_bad_lines=true");
            cfg = RunConfig.load(config, more);
        }
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
