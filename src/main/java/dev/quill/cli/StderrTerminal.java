package dev.quill.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * Whether stderr is a terminal, which decides between a progress bar and plain step lines: progress goes
 * to stderr, so {@code quill train ... 2> train.log} in a terminal gets plain lines in the log, and
 * {@code > result.json} keeps the bar. ({@code System.console()} would ask about stdin and stdout.)
 *
 * <p>In order: the system property {@value #PROPERTY} ({@code true} or {@code false}; the launcher sets
 * it from {@code [ -t 2 ]}), else where {@code /proc/self/fd/2} points on Linux ({@code /dev/pts/N} or
 * {@code /dev/ttyN}), else {@code System.console() != null}.
 */
final class StderrTerminal {

    /** The system property that says whether stderr is a terminal. */
    static final String PROPERTY = "quill.stderr.terminal";

    private static final int DEFAULT_WIDTH = 100;

    private StderrTerminal() {
    }

    /** {@return true when stderr is a terminal} */
    static boolean isTerminal() {
        String given = System.getProperty(PROPERTY);
        if (given != null) {
            return Boolean.parseBoolean(given.strip());
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException noProc) {
            return System.console() != null;
        }
    }

    /**
     * {@return the terminal's width in columns, asked once (100 when it cannot be told)}. JLine is asked
     * with its native signal handling off: a JLine system terminal otherwise resets SIGINT to the default
     * action while it is open, and a Ctrl-C then kills the JVM before {@code last/} is written.
     */
    static int width() {
        try (Terminal t = TerminalBuilder.builder().system(true).systemOutput(TerminalBuilder.SystemOutput.SysErr)
                .nativeSignals(false).dumb(true).build()) {
            int w = t.getWidth();
            return w >= 40 ? w : DEFAULT_WIDTH;
        } catch (IOException | RuntimeException e) {
            return DEFAULT_WIDTH;
        }
    }
}
