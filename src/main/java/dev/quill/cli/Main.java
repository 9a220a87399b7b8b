package dev.quill.cli;

import dev.quill.autograd.Warmup;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/**
 * The {@code quill} command line: parses arguments, runs a command, exits with its code. stdout carries
 * only a command's result; logs go to stderr (see {@code logback-cli.xml}).
 */
public final class Main {

    private Main() {
    }

    /**
     * Runs {@code quill ARGS} and exits with the command's code (see {@link QuillCommand#OK} and the others).
     *
     * @param args the command and its options, as typed
     */
    public static void main(String[] args) {
        // The CLI's logging setup; a program that imports Quill as a library keeps its own.
        if (System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "dev/quill/cli/logback-cli.xml");
        }
        // quill train compiles the step's kernels on the idle core while it starts (see Warmup). Starting here,
        // before the command line is parsed, gives that thread the ~0.5 s the parsing takes too.
        if (args.length > 0 && "train".equals(args[0])) {
            Warmup.compile(Warmup.ModelSizes.SMALL);
        }
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        System.setOut(out);
        System.setErr(err);
        int code = QuillCommand.execute(args, out, err);
        ClassArchive.beforeExit(code);
        System.exit(code);
    }
}
