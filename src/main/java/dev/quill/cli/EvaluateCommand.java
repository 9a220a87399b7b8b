package dev.quill.cli;

import dev.quill.config.ConfigJson;
import dev.quill.data.Tokenizer;
import dev.quill.generate.EvalResult;
import dev.quill.generate.EvalSplit;
import dev.quill.generate.Evaluator;
import dev.quill.model.Checkpoint;
import dev.quill.model.DecoderWeights;
import dev.quill.model.Gpt;
import dev.quill.model.WeightFormat;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code quill evaluate}: mean cross-entropy and perplexity of a checkpoint over a text file. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Loss and perplexity over a text file: windows of block_size+1 tokens, stride block_size.")
final class EvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "A checkpoint directory.")
    Path checkpoint;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "A UTF-8 text file.")
    Path data;

    @Option(names = "--split", defaultValue = "val", paramLabel = "val|train|all", description = "Which part of the file (default val).")
    String split;

    @Option(names = "--val-fraction", defaultValue = "0.1", paramLabel = "F", description = "The validation share at the end (default 0.1).")
    double valFraction;

    @Option(names = "--batch-size", defaultValue = "16", paramLabel = "N", description = "Windows per forward pass (default 16).")
    int batchSize;

    @Option(names = "--weights", paramLabel = "f32|int8", defaultValue = "f32",
            description = "f32 (as trained) or int8: every projection and the head rounded to per-row absmax int8, "
                    + "as quill generate --weights int8 decodes with (default f32).")
    String weights;

    @Option(names = "--json", description = "Print one JSON object and nothing else.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        dev.quill.autograd.Backend.logOnce();
        EvalSplit s = EvalSplit.parse(split);
        WeightFormat format = WeightFormat.parse("--weights", weights);
        Path dir = CheckpointPath.check("--checkpoint", checkpoint);
        Gpt model = Checkpoint.load(dir);
        if (format == WeightFormat.INT8) {
            DecoderWeights.roundTripInt8(model);
        }
        EvalResult r = new Evaluator(model, Tokenizer.fromDirectory(dir), batchSize).evaluate(data, s, valFraction);
        if (json) {
            spec.commandLine().getOut().println(ConfigJson.MAPPER.writeValueAsString(ConfigJson.object()
                    .put("loss", r.loss()).put("weights", format.name().toLowerCase()).put("perplexity", r.perplexity()).put("tokens", r.tokens()).put("windows", r.windows())));
        } else {
            spec.commandLine().getOut().println(r);
        }
        return QuillCommand.OK;
    }
}
