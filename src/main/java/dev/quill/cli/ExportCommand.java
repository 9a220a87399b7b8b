package dev.quill.cli;

import dev.quill.config.BadInputException;
import dev.quill.data.HfTokenizerFiles;
import dev.quill.data.Tokenizer;
import dev.quill.model.Checkpoint;
import dev.quill.model.Gpt;
import dev.quill.model.HfGpt2Export;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code quill export --format hf}: writes a checkpoint as a Hugging Face GPT-2 directory (config.json,
 * model.safetensors and the tokenizer's files) that {@code transformers} opens with
 * {@code AutoModelForCausalLM.from_pretrained}. A LoRA checkpoint is exported with its adapter merged.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a checkpoint in another format: --format hf gives a Hugging Face GPT-2 directory.")
final class ExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "hf: a Hugging Face GPT-2 directory.")
    String format;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "The checkpoint to export.")
    Path checkpoint;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "A new or empty directory to write.")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (!"hf".equals(format)) {
            throw new BadInputException("--format " + format + ": the only export format is hf (a Hugging Face GPT-2 directory)");
        }
        CheckpointPath.check("--checkpoint", checkpoint);
        if (Files.exists(out) && Files.isSameFile(out, checkpoint)) {
            throw new BadInputException("--out " + out + " is the checkpoint being exported; choose another directory");
        }
        Gpt model = Checkpoint.load(checkpoint);                // a LoRA checkpoint comes back merged
        Tokenizer tokenizer = Tokenizer.fromDirectory(checkpoint);
        Integer endOfText = tokenizer.specialTokens().get("<|endoftext|>");
        HfGpt2Export.write(model, out, endOfText, endOfText);   // GPT-2 uses <|endoftext|> as both ends
        HfTokenizerFiles.write(tokenizer, out);
        spec.commandLine().getOut().println("exported " + checkpoint + " -> " + out
                + " (Hugging Face GPT-2: config.json, model.safetensors, tokenizer files)");
        return QuillCommand.OK;
    }
}
