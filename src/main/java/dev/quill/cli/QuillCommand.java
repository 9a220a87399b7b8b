package dev.quill.cli;

import dev.quill.config.BadInputException;
import dev.quill.train.TrainingFailedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The top-level {@code quill} command; the subcommands hang off it. */
@Command(name = "quill",
        mixinStandardHelpOptions = true,
        versionProvider = QuillCommand.Version.class,
        description = "Quill: a GPT you can read, trained and run from Java.",
        subcommands = {TrainCommand.class, LaunchCommand.class, PipelineCommand.class, LrFindCommand.class, GenerateCommand.class,
                EvaluateCommand.class, ChatCommand.class, TokenizerCommand.class, InfoCommand.class, ExportCommand.class,
                BenchCommand.class, CommandLine.HelpCommand.class,
                picocli.AutoComplete.GenerateCompletion.class},
        footer = {"", "Run 'quill help COMMAND' for a command's options."})
public final class QuillCommand implements Runnable {

    /** Exit codes: 0 success, 1 failure while running, 2 bad usage or input, 130 interrupted (SIGINT), 143 terminated (SIGTERM). */
    public static final int OK = 0, FAILED = 1, BAD_INPUT = 2, INTERRUPTED = 130, TERMINATED = 143;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "Print stack traces of errors.")
    boolean verbose;

    @Option(names = "--device", scope = CommandLine.ScopeType.INHERIT, paramLabel = "cpu|cuda|auto",
            description = "Require a device (default: auto, whatever this build runs on; QUILL_BACKEND=cuda ./quill builds the GPU one).")
    String device;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Runs the command line with the given streams (tests pass their own).
     *
     * @param args the command and its options
     * @param out  receives the command's result
     * @param err  receives errors: one line each, with a stack trace only under {@code --verbose}
     * @return the exit code: {@link #OK}, {@link #FAILED}, {@link #BAD_INPUT}, {@link #INTERRUPTED} or {@link #TERMINATED}
     */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new QuillCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(true);
        // Bad usage: one line naming the problem, exit 2, no usage dump.
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("quill: " + ex.getMessage() + " (see 'quill help "
                    + ex.getCommandLine().getCommandName() + "')");
            return BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            boolean verbose = parseResult.hasMatchedOption("--verbose")
                    || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
            PrintWriter e = commandLine.getErr();
            if (verbose) {
                ex.printStackTrace(e);
            }
            return report(ex, e);
        });
        // --device is checked before any command runs, so a wrong one fails in one line
        cl.setExecutionStrategy(parseResult -> {
            String wanted = null;
            for (CommandLine.ParseResult p = parseResult; p != null; p = p.subcommand()) {
                if (p.hasMatchedOption("--device")) {
                    wanted = p.matchedOptionValue("--device", null);
                }
            }
            try {
                String device = wanted;
                if (device != null) {               // loads ND4J's backend: under the cache lock, as workers start together
                    dev.quill.train.NativeLibraries.underCacheLock(() -> {
                        dev.quill.autograd.Backend.require(device);
                        if (dev.quill.autograd.Kernels.isCpuBackend()) {
                            dev.quill.train.NativeLibraries.loadOpenBlas();
                        }
                        return null;
                    });
                }
            } catch (BadInputException e) {
                parseResult.commandSpec().commandLine().getErr().println("quill: " + e.getMessage());
                return BAD_INPUT;
            }
            return new CommandLine.RunLast().execute(parseResult);
        });
        return cl.execute(args);
    }

    /** One line on stderr for an exception, and its exit code. */
    static int report(Throwable ex, PrintWriter err) {
        Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        if (t instanceof BadInputException) {
            err.println("quill: " + t.getMessage());
            return BAD_INPUT;
        }
        if (t instanceof NoSuchFileException n) {
            err.println("quill: file not found: " + n.getFile());
            return BAD_INPUT;
        }
        if (t instanceof TrainingFailedException) {
            err.println("quill: " + t.getMessage());
            return FAILED;
        }
        if (t instanceof IOException io) {                      // a full disk, a read-only directory: the reason, no class name
            err.println("quill: " + dev.quill.config.IoErrors.describe(io) + " (run with --verbose for details)");
            return FAILED;
        }
        String msg = t.getMessage() == null ? "" : t.getMessage().lines().findFirst().orElse("");
        err.println("quill: " + t.getClass().getSimpleName() + ": " + msg + " (run with --verbose for details)");
        return FAILED;
    }

    /** The version from the build ({@code version.properties}, filled in by Maven). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = QuillCommand.class.getResourceAsStream("/dev/quill/version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"quill " + p.getProperty("version", "unknown")
                    + " (Java " + System.getProperty("java.version") + ")"};
        }
    }
}
