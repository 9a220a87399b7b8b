package dev.quill.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
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

    /**
     * {@code train}'s config: {@code --config FILE}, or with {@code --resume} and no {@code --config} the
     * config recorded in {@code --out DIR/run.json}; a bare {@code train} is a usage error, not a preset run.
     */
    RunConfig loadForTrain(boolean resume) {
        if (config != null) {
            return load();
        }
        if (!resume) {
            throw new BadInputException("train needs --config FILE, e.g. --config examples/shakespeare-char-baby.json "
                    + "(or --resume --out DIR to continue DIR's run with its own config)");
        }
        if (out == null) {
            throw new BadInputException("--resume without --config needs --out DIR, the run to continue");
        }
        Path record = out.resolve("run.json");
        if (!Files.isRegularFile(record)) {
            throw new BadInputException("--resume: no checkpoint to resume in " + out.resolve("last") + " (and no run.json)");
        }
        ObjectNode saved = ConfigJson.readObject(record, "run record", "an object with \"name\" and \"config\"");
        if (!saved.path("config").isObject()) {
            throw new BadInputException("run record " + record + ": has no \"config\" object; give --config FILE");
        }
        String name = saved.path("name").asText("run");
        Function<List<String>, RunConfig> parse = s -> RunConfig.fromJson(name, ((ObjectNode) saved.get("config")).deepCopy(), s);
        return withData(withSkipBadLines(parse.apply(sets), () -> parse.apply(withSkip())));
    }

    /** Presets, then the file, then --set, then --data. */
    RunConfig load() {
        return withData(withSkipBadLines(RunConfig.load(config, sets), () -> RunConfig.load(config, withSkip())));
    }

    private List<String> withSkip() {
        List<String> more = new ArrayList<>(sets);
        more.add("sft.skip_bad_lines=true");
        return more;
    }

    private RunConfig withSkipBadLines(RunConfig cfg, Supplier<RunConfig> reload) {
        if (skipBadLines) {
            if (cfg.sft() == null) {
                throw new BadInputException("--skip-bad-lines is for instruction tuning, and this config has no sft section");
            }
            cfg = reload.get();
        }
        return cfg;
    }

    private RunConfig withData(RunConfig cfg) {
        if (data != null) {
            if (!Files.isRegularFile(data)) {
                throw new BadInputException("--data " + data + ": no such file");
            }
            cfg = cfg.withData(cfg.data().withPath(data.toString()));
        }
        return cfg;
    }

    /**
     * {@return --out, or out/&lt;config name&gt;}
     *
     * @throws BadInputException when that path exists and is not a directory
     */
    Path outDir(RunConfig cfg) {
        Path dir = out != null ? out : Path.of("out", cfg.name());
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new BadInputException("--out " + dir + ": is a file; give a directory (new or holding a run)");
        }
        return dir;
    }
}
