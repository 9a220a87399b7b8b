package dev.quill.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.autograd.Backend;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.ModelConfig;
import dev.quill.data.Gpt2Tokenizer;
import dev.quill.data.Tokenizer;
import dev.quill.model.Checkpoint;
import dev.quill.model.Gpt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code quill info}: what a checkpoint holds, or what Quill runs on. Reads, never writes. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a checkpoint's config, parameter counts, tokenizer and training state, or the backend.")
final class InfoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint", paramLabel = "DIR", description = "A checkpoint directory.")
    Path checkpoint;

    @Option(names = "--backend", description = "Show the ND4J backend, device and thread settings.")
    boolean backend;

    @Override
    public Integer call() throws Exception {
        if (checkpoint == null && !backend) {
            throw new BadInputException("info: give --checkpoint DIR or --backend");
        }
        ObjectNode out = ConfigJson.object();
        if (backend) {
            ObjectNode b = out.putObject("backend");
            Backend.describe().forEach(b::put);
        }
        if (checkpoint != null) {
            CheckpointPath.check("--checkpoint", checkpoint);
            ModelConfig cfg = Checkpoint.readConfig(checkpoint);
            Gpt model = Checkpoint.load(checkpoint);
            out.put("checkpoint", checkpoint.toString());
            out.set("model", cfg.toJson());
            out.put("parameters", model.parameterCount());
            out.put("parameters_without_positions", model.parameterCountWithoutPositions());
            if (Files.exists(checkpoint.resolve(Checkpoint.TOKENIZER)) || Gpt2Tokenizer.hasFiles(checkpoint)) {
                Tokenizer t = Tokenizer.fromDirectory(checkpoint);
                out.putObject("tokenizer").put("type", t.type()).put("vocab_size", t.vocabSize());
            }
            if (Checkpoint.isHuggingFace(checkpoint)) {
                out.put("format", "huggingface-gpt2");
            }
            Path state = checkpoint.resolve("trainer_state.json");
            if (Files.exists(state)) {
                JsonNode s = ConfigJson.MAPPER.readTree(state.toFile());
                out.set("training", s);
            }
        }
        spec.commandLine().getOut().println(ConfigJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(out));
        return QuillCommand.OK;
    }
}
