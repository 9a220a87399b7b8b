package dev.quill.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The top-level {@code quill} command; subcommands hang off it. */
@Command(name = "quill",
        mixinStandardHelpOptions = true,
        versionProvider = QuillCommand.Version.class,
        description = "Quill: a GPT you can read, trained and run from Java.",
        subcommands = {CommandLine.HelpCommand.class},
        footer = {"", "Run 'quill help COMMAND' for a command's options."})
public final class QuillCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Runs the command line with the given streams and returns the exit code: 0 success, 2 bad usage or
     * bad input, 1 a failure while running, 130 after Ctrl-C.
     */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(new QuillCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        // Bad usage: one line naming the problem, exit 2, no usage dump.
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("quill: " + ex.getMessage() + " (see 'quill --help')");
            return 2;
        });
        return cl.execute(args);
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
