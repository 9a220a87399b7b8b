package dev.quill.cli;

import dev.quill.config.BadInputException;
import dev.quill.data.sft.ChatTemplate;
import dev.quill.data.sft.Message;
import dev.quill.generate.GenerationConfig;
import dev.quill.generate.Generator;
import dev.quill.generate.SampleConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The chat REPL's logic, apart from the terminal: each input is appended to the context and the model
 * continues it, streaming; slash commands change settings. The terminal side ({@link ChatCommand}) feeds it
 * complete inputs and a flag that Ctrl-C raises.
 *
 * <p>With a {@link ChatTemplate} (a model tuned on conversations), each input is a user message instead:
 * the conversation so far is rendered with the template's markers, the model writes the assistant's turn,
 * and the turn ends at the template's end-of-turn token (which is not printed).
 */
final class ChatSession {

    static final String HELP = String.join("\n",
            "Type text and the model continues it. A line ending in \\ continues on the next line.",
            "  /set KEY=VALUE   temperature, top_k, top_p, repetition_penalty, seed, max_new_tokens, stop (comma-separated)",
            "  /show            the current settings",
            "  /reset           forget the context",
            "  /save FILE       write the transcript",
            "  /help            this help",
            "  /quit            leave (Ctrl-D too); Ctrl-C stops a generation");

    /** Thrown from the streaming callback when the user asks to stop. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }

    private final Generator generator;
    private final PrintWriter out;
    private final ChatTemplate template;
    private GenerationConfig cfg;
    private final StringBuilder context = new StringBuilder();
    private final List<Message> messages = new ArrayList<>();
    private final List<String> transcript = new ArrayList<>();

    ChatSession(Generator generator, GenerationConfig cfg, PrintWriter out) {
        this(generator, cfg, out, null);
    }

    /** {@code template} null: plain continuation of the text typed so far. */
    ChatSession(Generator generator, GenerationConfig cfg, PrintWriter out, ChatTemplate template) {
        this.generator = generator;
        this.cfg = cfg;
        this.out = out;
        this.template = template;
        if (template != null) {
            // the turn ends at the end-of-turn marker, or wherever the model starts another role's turn
            // (special tokens decode to their names, so they are stop strings like any other)
            List<String> stop = new ArrayList<>(cfg.stop());
            stop.add(template.tokenizer().decode(new int[] {template.stopTokenId()}));
            template.tokenizer().specialTokens().keySet().stream().filter(t -> !stop.contains(t)).forEach(stop::add);
            this.cfg = cfg.withStop(stop);
        }
    }

    /** Handles one complete input; returns false when the session should end. */
    boolean handle(String input, BooleanSupplier stopRequested) {
        String line = input.strip();
        if (line.startsWith("/")) {
            return command(line);
        }
        try {
            generator.tokenizer().encode(input);   // a character outside the vocabulary: its position in the typed line
        } catch (BadInputException e) {
            out.println("error: " + e.getMessage());
            return true;
        }
        transcript.add("> " + input);
        StringBuilder reply = new StringBuilder();
        java.util.function.Consumer<String> sink = piece -> {
            if (stopRequested.getAsBoolean()) {
                throw new Stopped();
            }
            reply.append(piece);
            out.print(piece);
            out.flush();
        };
        try {
            if (template != null) {
                messages.add(Message.user(input));
                generator.generate(template.renderPrompt(messages), cfg, sink);
            } else {
                context.append(input);
                generator.generate(context.toString(), cfg, sink);
            }
        } catch (Stopped s) {
            out.print(" [stopped]");
        } catch (BadInputException e) {
            out.println("error: " + e.getMessage());
            if (template != null) {
                messages.remove(messages.size() - 1);
            } else {
                context.setLength(context.length() - input.length());
            }
            transcript.remove(transcript.size() - 1);
            return true;
        }
        out.println();
        out.flush();
        if (template != null) {
            messages.add(Message.assistant(reply.toString()));
        } else {
            context.append(reply);
        }
        transcript.add(reply.toString());
        return true;
    }

    private boolean command(String line) {
        String[] parts = line.split("\\s+", 2);
        String arg = parts.length > 1 ? parts[1] : "";
        try {
            switch (parts[0]) {
                case "/quit", "/exit" -> {
                    return false;
                }
                case "/help" -> out.println(HELP);
                case "/show" -> out.println(settings());
                case "/reset" -> {
                    context.setLength(0);
                    messages.clear();
                    out.println("context cleared");
                }
                case "/save" -> {
                    if (arg.isBlank()) {
                        throw new BadInputException("/save needs a file name");
                    }
                    Files.writeString(Path.of(arg), String.join("\n", transcript) + "\n");
                    out.println("saved " + transcript.size() + " entries to " + arg);
                }
                case "/set" -> {
                    set(arg);
                    out.println(settings());
                }
                default -> out.println("unknown command " + parts[0] + "; /help lists them");
            }
        } catch (BadInputException e) {
            out.println("error: " + e.getMessage());
        } catch (IOException e) {
            out.println("error: " + e.getMessage());
        }
        out.flush();
        return true;
    }

    private void set(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq < 0) {
            throw new BadInputException("/set needs KEY=VALUE, e.g. /set temperature=0.8");
        }
        String key = assignment.substring(0, eq).strip();
        String value = assignment.substring(eq + 1).strip();
        SampleConfig s = cfg.sampling();
        try {
            switch (key) {
                case "temperature" -> cfg = cfg.withSampling(s.withTemperature(Double.parseDouble(value)));
                case "top_k" -> cfg = cfg.withSampling(s.withTopK(Integer.parseInt(value)));
                case "top_p" -> cfg = cfg.withSampling(s.withTopP(Double.parseDouble(value)));
                case "repetition_penalty" -> cfg = cfg.withSampling(s.withRepetitionPenalty(Double.parseDouble(value)));
                case "seed" -> cfg = cfg.withSampling(s.withSeed(Long.parseLong(value)));
                case "max_new_tokens" -> cfg = cfg.withMaxNewTokens(Integer.parseInt(value));
                case "stop" -> cfg = cfg.withStop(value.isEmpty() ? List.of() : Arrays.asList(value.split(",")));
                default -> throw new BadInputException("unknown setting " + key
                        + "; settings: temperature, top_k, top_p, repetition_penalty, seed, max_new_tokens, stop");
            }
        } catch (NumberFormatException e) {
            throw new BadInputException(key + " = " + value + ": not a number");
        }
    }

    String settings() {
        SampleConfig s = cfg.sampling();
        return String.format("temperature=%s top_k=%d top_p=%s repetition_penalty=%s seed=%d max_new_tokens=%d stop=%s",
                s.temperature(), s.topK(), s.topP(), s.repetitionPenalty(), s.seed(), cfg.maxNewTokens(), cfg.stop());
    }

    /** The conversation so far, in template mode (for tests). */
    List<Message> messages() {
        return List.copyOf(messages);
    }

    String context() {
        return context.toString();
    }
}
