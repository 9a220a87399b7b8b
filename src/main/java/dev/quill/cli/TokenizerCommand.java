package dev.quill.cli;

import dev.quill.config.BadInputException;
import dev.quill.data.BpeTokenizer;
import dev.quill.data.CharTokenizer;
import dev.quill.data.Corpora;
import dev.quill.data.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code quill tokenizer train|encode|decode}. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true, description = "Train a tokenizer, or encode and decode with one.",
        subcommands = {TokenizerCommand.Train.class, TokenizerCommand.Encode.class, TokenizerCommand.Decode.class})
final class TokenizerCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: train, encode or decode");
    }

    @Command(name = "train", mixinStandardHelpOptions = true, description = "Train a char or BPE tokenizer on a text file.")
    static final class Train implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--type", required = true, paramLabel = "char|bpe", description = "Tokenizer type.")
        String type;

        @Option(names = "--vocab-size", paramLabel = "N", defaultValue = "1024", description = "BPE vocabulary size (default 1024).")
        int vocabSize;

        @Option(names = "--data", required = true, paramLabel = "FILE", description = "UTF-8 training text.")
        Path data;

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write tokenizer.json.")
        Path out;

        @Override
        public Integer call() {
            String text = Corpora.readText(data);
            Tokenizer t = switch (type) {
                case "char" -> CharTokenizer.train(text);
                case "bpe" -> BpeTokenizer.train(text, BpeTokenizer.Options.of(vocabSize));
                default -> throw new BadInputException("--type " + type + ": must be char or bpe");
            };
            t.save(out);
            spec.commandLine().getErr().println("wrote " + t.type() + " tokenizer with " + t.vocabSize() + " tokens to " + out);
            return QuillCommand.OK;
        }
    }

    @Command(name = "encode", mixinStandardHelpOptions = true, description = "Print the ids of a text, separated by spaces.")
    static final class Encode implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "A tokenizer.json.")
        Path tokenizer;

        @Parameters(paramLabel = "TEXT", description = "The text to encode.")
        String text;

        @Override
        public Integer call() {
            int[] ids = Tokenizer.load(tokenizer).encode(text);
            StringJoiner j = new StringJoiner(" ");
            for (int id : ids) {
                j.add(Integer.toString(id));
            }
            spec.commandLine().getOut().println(j);
            return QuillCommand.OK;
        }
    }

    @Command(name = "decode", mixinStandardHelpOptions = true, description = "Print exactly the text of a sequence of ids.")
    static final class Decode implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--tokenizer", required = true, paramLabel = "FILE", description = "A tokenizer.json.")
        Path tokenizer;

        @Parameters(paramLabel = "IDS", arity = "1..*", description = "Token ids.")
        List<Integer> ids;

        @Override
        public Integer call() {
            Tokenizer t = Tokenizer.load(tokenizer);
            int[] a = ids.stream().mapToInt(Integer::intValue).toArray();
            for (int i = 0; i < a.length; i++) {
                if (a[i] < 0 || a[i] >= t.vocabSize()) {
                    throw new BadInputException("id " + a[i] + " at position " + i + " is outside the vocabulary of " + t.vocabSize());
                }
            }
            var out = spec.commandLine().getOut();
            out.print(t.decode(a));
            out.flush();
            return QuillCommand.OK;
        }
    }
}
