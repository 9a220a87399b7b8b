package dev.quill.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.data.Corpora;
import dev.quill.generate.Completion;
import dev.quill.generate.GenerationConfig;
import dev.quill.generate.Generator;
import dev.quill.model.WeightFormat;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code quill generate}: streams a continuation of a prompt to stdout, or one JSON line per prompt of a file. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Generate text from a checkpoint.")
final class GenerateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "A checkpoint directory.")
    Path checkpoint;

    @Option(names = "--prompt", paramLabel = "TEXT", defaultValue = "", description = "The text to continue (default: empty).")
    String prompt;

    @Option(names = "--prompt-file", paramLabel = "FILE",
            description = "One prompt per line, or JSON Lines with a \"prompt\" field; prints one JSON line per result.")
    Path promptFile;

    @Option(names = "--num-samples", paramLabel = "N", defaultValue = "1", description = "Samples per prompt (default 1).")
    int numSamples;

    @Option(names = "--weights", paramLabel = "f32|int8", defaultValue = "f32",
            description = "Weights to decode with: f32 (as trained) or int8 (per-row absmax, a quarter of the bytes per token; default f32).")
    String weights;

    @Mixin
    SamplingOptions sampling;

    @Override
    public Integer call() throws IOException {
        dev.quill.autograd.Backend.logOnce();
        if (numSamples < 1) {
            throw new BadInputException("--num-samples " + numSamples + ": must be at least 1");
        }
        WeightFormat format = WeightFormat.parse("--weights", weights);
        Generator gen = Generator.load(CheckpointPath.check("--checkpoint", checkpoint)).withWeights(format);
        GenerationConfig cfg = sampling.config();
        PrintWriter out = spec.commandLine().getOut();
        if (promptFile != null) {
            for (String p : readPrompts(promptFile)) {
                for (int s = 0; s < numSamples; s++) {
                    Completion c = gen.generate(p, cfg.withSampling(cfg.sampling().withSeed(cfg.sampling().seed() + s)));
                    out.println(ConfigJson.MAPPER.writeValueAsString(ConfigJson.object().put("prompt", p).put("sample", s)
                            .put("text", c.text()).put("tokens", c.tokens().length)
                            .put("stop_reason", c.reason().name().toLowerCase())));
                    out.flush();
                }
            }
            return QuillCommand.OK;
        }
        for (int s = 0; s < numSamples; s++) {
            if (s > 0) {
                out.println();
                out.println("---------------");
            }
            out.print(prompt);
            gen.generate(prompt, cfg.withSampling(cfg.sampling().withSeed(cfg.sampling().seed() + s)), piece -> {
                out.print(piece);
                out.flush();
            });
            out.println();
            out.flush();
        }
        return QuillCommand.OK;
    }

    /** Plain lines, or JSON Lines whose objects carry a "prompt" field. Empty lines are skipped. */
    static List<String> readPrompts(Path file) {
        List<String> prompts = new ArrayList<>();
        String[] lines = Corpora.readText(file).split("\\R");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) {
                continue;
            }
            if (line.stripLeading().startsWith("{")) {
                try {
                    JsonNode n = ConfigJson.MAPPER.readTree(line);
                    if (!n.path("prompt").isTextual()) {
                        throw new BadInputException(file + " line " + (i + 1) + ": a JSON line needs a string field \"prompt\"");
                    }
                    prompts.add(n.get("prompt").asText());
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    throw new BadInputException(file + " line " + (i + 1) + ": malformed JSON: " + e.getOriginalMessage());
                }
            } else {
                prompts.add(line);
            }
        }
        return prompts;
    }
}
