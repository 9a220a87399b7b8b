package dev.quill.cli;

import dev.quill.config.BadInputException;
import dev.quill.data.sft.ChatTemplate;
import dev.quill.generate.Generator;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code quill chat}: a REPL that continues what you type, streaming. On a terminal it uses JLine (line
 * editing, history in {@code ~/.quill_history}, Ctrl-C stops a generation, Ctrl-D leaves); with stdin
 * not a terminal it reads plain lines, so it can be scripted.
 */
@Command(name = "chat", mixinStandardHelpOptions = true, description = "Interactive generation from a checkpoint.")
final class ChatCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "A checkpoint directory.")
    Path checkpoint;

    @Option(names = "--history", paramLabel = "FILE", description = "History file (default ~/.quill_history).")
    Path history;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A LoRA adapter directory to apply (merged) onto the checkpoint.")
    Path adapter;

    @Option(names = "--template", paramLabel = "NAME",
            description = "Chat with a template (\"default\"): each input is a user turn and the model answers as the assistant, "
                    + "for a model tuned with that template. Without it, the model continues the text.")
    String template;

    @Mixin
    SamplingOptions sampling;

    @Override
    public Integer call() throws IOException {
        dev.quill.autograd.Backend.logOnce();
        Generator gen = Generator.load(CheckpointPath.check("--checkpoint", checkpoint), adapter);
        ChatTemplate chat = template == null ? null : ChatTemplate.create(template, gen.tokenizer());
        if (chat != null && chat.tokenizer().vocabSize() != gen.tokenizer().vocabSize()) {
            throw new BadInputException(checkpoint + " was not tuned with the \"" + template + "\" chat template (its tokenizer "
                    + "lacks the template's tokens); train it with an sft section first, or chat without --template");
        }
        PrintWriter out = spec.commandLine().getOut();
        ChatSession session = new ChatSession(gen, sampling.config().withMaxNewTokens(Math.min(sampling.maxNewTokens, 200)), out, chat);
        if (System.console() == null) {
            runPlain(session, new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
            return QuillCommand.OK;
        }
        Path hist = history != null ? history : Path.of(System.getProperty("user.home"), ".quill_history");
        try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).variable(LineReader.HISTORY_FILE, hist).build();
            AtomicBoolean stop = new AtomicBoolean();
            terminal.handle(Terminal.Signal.INT, s -> stop.set(true));
            PrintWriter tout = terminal.writer();
            ChatSession termSession = new ChatSession(gen, sampling.config().withMaxNewTokens(Math.min(sampling.maxNewTokens, 200)), tout, chat);
            tout.println("quill chat: " + checkpoint + "  (/help for commands)");
            while (true) {
                String input;
                try {
                    input = readInput(reader);
                } catch (UserInterruptException e) {
                    continue;            // Ctrl-C at the prompt: a fresh prompt
                } catch (EndOfFileException e) {
                    break;               // Ctrl-D
                }
                stop.set(false);
                if (!termSession.handle(input, stop::get)) {
                    break;
                }
            }
        }
        return QuillCommand.OK;
    }

    private static String readInput(LineReader reader) {
        StringBuilder sb = new StringBuilder();
        String line = reader.readLine("> ");
        while (line.endsWith("\\")) {
            sb.append(line, 0, line.length() - 1).append('\n');
            line = reader.readLine(". ");
        }
        return sb.append(line).toString();
    }

    /** The scripted form: plain lines, a trailing backslash joins the next line, end of input leaves. */
    static void runPlain(ChatSession session, BufferedReader in) throws IOException {
        StringBuilder pending = new StringBuilder();
        for (String line; (line = in.readLine()) != null; ) {
            if (line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1).append('\n');
                continue;
            }
            String input = pending.append(line).toString();
            pending.setLength(0);
            if (!session.handle(input, () -> false)) {
                return;
            }
        }
    }
}
