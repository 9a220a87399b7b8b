package dev.quill.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code trainer_state.json}: everything besides weights and optimizer moments that a resumed run needs to
 * continue exactly: the completed step, the random streams (dropout, batches), the best val loss so far,
 * early stopping's count, the loss average and the time spent.
 */
public record TrainState(long step, long modelRngState, long samplerState, double bestValLoss,
                         int evalsWithoutImprovement, double trainLossEma, double elapsedSeconds) {

    static final String FILE = "trainer_state.json";

    void write(Path dir) throws IOException {
        ObjectNode o = ConfigJson.object();
        o.put("step", step).put("model_rng_state", modelRngState).put("sampler_state", samplerState)
                .put("evals_without_improvement", evalsWithoutImprovement).put("elapsed_s", elapsedSeconds);
        putFinite(o, "best_val_loss", bestValLoss); // JSON has no Infinity or NaN: written as null
        putFinite(o, "train_loss_ema", trainLossEma);
        Files.writeString(dir.resolve(FILE), ConfigJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n");
    }

    static TrainState read(Path dir) throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.exists(f)) {
            throw new BadInputException("cannot resume: " + f + " is missing");
        }
        JsonNode n;
        try {
            n = ConfigJson.MAPPER.readTree(Files.readString(f));
        } catch (IOException e) {                               // not UTF-8, not JSON, nested too deep
            throw new BadInputException("cannot resume: " + f + " is not valid JSON (" + IoErrors.describe(e)
                    + "); use another checkpoint", e);
        }
        if (n == null || !n.path("step").isIntegralNumber() || n.get("step").asLong() < 0) {
            throw new BadInputException("cannot resume: " + f + " has no \"step\" that is a whole number >= 0");
        }
        return new TrainState(n.get("step").asLong(), n.path("model_rng_state").asLong(), n.path("sampler_state").asLong(),
                number(n, "best_val_loss", Double.POSITIVE_INFINITY), n.path("evals_without_improvement").asInt(),
                number(n, "train_loss_ema", Double.NaN), n.path("elapsed_s").asDouble());
    }

    private static void putFinite(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    private static double number(JsonNode n, String key, double fallback) {
        JsonNode v = n.get(key);
        return v != null && v.isNumber() ? v.doubleValue() : fallback;
    }
}
