package dev.quill.cli;

import dev.quill.config.BadInputException;
import dev.quill.data.BpeTokenizer;
import dev.quill.data.CharTokenizer;
import dev.quill.data.Corpora;
import dev.quill.data.Gpt2Tokenizer;
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

/**
 * {@code quill tokenizer train|encode|decode}. Encode and decode take any tokenizer Quill reads (see
 * {@link Tokenizer#fromPath}): Quill's {@code tokenizer.json}, a Hugging Face {@code tokenizer.json},
 * {@code vocab.json} + {@code merges.txt}, OpenAI's {@code encoder.json} + {@code vocab.bpe}, or a
 * directory holding one of them.
 */
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

        @Option(names = "--tokenizer", required = true, paramLabel = "PATH", description = "A tokenizer: Quill's or Hugging Face's tokenizer.json, vocab.json (+ merges.txt), encoder.json (+ vocab.bpe), or their directory.")
        Path tokenizer;

        @Option(names = "--special", negatable = true, description = "Map special-token strings in the text (<|endoftext|>) "
                + "to their ids. Default: on for GPT-2 tokenizers (as Hugging Face's GPT2TokenizerFast), off for Quill's.")
        Boolean special;

        @Parameters(paramLabel = "TEXT", arity = "0..1", description = "The text to encode.")
        String text;

        @Override
        public Integer call() {
            if (text == null) {
                throw new BadInputException("tokenizer encode needs the TEXT to encode (see 'quill tokenizer encode --help')");
            }
            Tokenizer t = Tokenizer.fromPath(tokenizer);
            boolean allowSpecial = special != null ? special : t instanceof Gpt2Tokenizer;
            int[] ids = t.encode(text, allowSpecial);
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

        @Option(names = "--tokenizer", required = true, paramLabel = "PATH", description = "A tokenizer: Quill's or Hugging Face's tokenizer.json, vocab.json (+ merges.txt), encoder.json (+ vocab.bpe), or their directory.")
        Path tokenizer;

        @Parameters(paramLabel = "IDS", arity = "0..*", description = "Token ids.")
        List<Integer> ids;

        @Override
        public Integer call() {
            if (ids == null || ids.isEmpty()) {
                throw new BadInputException("tokenizer decode needs one or more token IDS (see 'quill tokenizer decode --help')");
            }
            Tokenizer t = Tokenizer.fromPath(tokenizer);
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
