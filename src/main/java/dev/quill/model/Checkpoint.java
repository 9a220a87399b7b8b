package dev.quill.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.autograd.Rng;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model on disk, in a form PyTorch users can open: a directory with
 * <ul>
 *   <li>{@code config.json}: the {@link ModelConfig} keys plus {@code "format_version": 1} (later phases
 *       may add keys beside them; readers ignore keys they do not know);</li>
 *   <li>{@code model.safetensors}: F32 tensors under nanoGPT's names in PyTorch's layout;</li>
 *   <li>{@code tokenizer.json}, written by the data phase's tokenizer.</li>
 * </ul>
 * Loading validates everything before it builds the model, so a bad directory fails with one clear
 * message and nothing half-loaded. {@link #readConfig} and {@link #load} also open a Hugging Face GPT-2
 * directory, told apart by the {@code model_type} in its config.json ({@link HfGpt2Config},
 * {@code HfGpt2Weights}); {@link HfGpt2Export} writes one.
 */
public final class Checkpoint {

    /** The format this Quill writes; it reads this and older ones. */
    public static final int FORMAT_VERSION = 1;
    /** The model's config plus {@code format_version}, in a checkpoint directory. */
    public static final String CONFIG = "config.json";
    /** The parameters in float32, under nanoGPT's names, in a checkpoint directory. */
    public static final String WEIGHTS = "model.safetensors";
    /** The tokenizer, in a checkpoint directory (written by the trainer, read by generation). */
    public static final String TOKENIZER = "tokenizer.json";

    private static final Pattern LAYER = Pattern.compile("(?:transformer\\.)?h\\.(\\d+)\\.");

    private Checkpoint() {
    }

    /**
     * Writes config.json and model.safetensors into {@code dir} (created if needed). LoRA adapter tensors
     * are left out: {@link LoraCheckpoint#save} writes them beside the base.
     *
     * @param dir   the checkpoint directory; existing files of the same names are replaced
     * @param model the model; its weights are written in float32 whatever its type
     * @throws IOException when the directory or a file cannot be written
     */
    public static void save(Path dir, Gpt model) throws IOException {
        save(dir, model, Map.of());
    }

    /**
     * As {@link #save(Path, Gpt)}, with extra top-level keys for config.json.
     *
     * @param dir         the checkpoint directory
     * @param model       the model; its weights are written in float32 whatever its type
     * @param extraConfig top-level keys written after the model's, for a caller's own metadata
     * @throws IOException when a file cannot be written
     */
    public static void save(Path dir, Gpt model, Map<String, JsonNode> extraConfig) throws IOException {
        Files.createDirectories(dir);
        ObjectNode cfg = ConfigJson.object();
        cfg.put("format_version", FORMAT_VERSION);
        cfg.setAll(model.config().toJson());
        extraConfig.forEach(cfg::set);
        Files.writeString(dir.resolve(CONFIG), ConfigJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(cfg) + "\n");
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        model.parameters().forEach((name, p) -> {
            if (!isAdapterTensor(name)) {                     // adapters go to their own file (LoraCheckpoint)
                tensors.put(name, p.value().castTo(DataType.FLOAT));
            }
        });
        Safetensors.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
    }

    /**
     * Whether a parameter name is a LoRA adapter's.
     *
     * @param name a parameter name as {@link Module#parameters()} gives it
     * @return true for names ending in {@code .lora_A.weight} or {@code .lora_B.weight}
     */
    public static boolean isAdapterTensor(String name) {
        return name.endsWith(".lora_A.weight") || name.endsWith(".lora_B.weight");
    }

    /**
     * Reads the config of a checkpoint directory, refusing a format newer than this Quill. Keys other
     * than {@code format_version} and the model's are ignored. A Hugging Face GPT-2 directory (its
     * config.json names a {@code model_type}) is read as {@link HfGpt2Config} describes.
     *
     * @param dir the checkpoint directory
     * @return the model's shape as config.json gives it
     * @throws BadInputException when config.json is missing, unreadable, not a JSON object, has no valid
     *                           {@code format_version} or a newer one, lacks a model key, or holds a bad value;
     *                           for a Hugging Face directory, another model_type or a setting Quill does not compute
     */
    public static ModelConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG);
        JsonNode node = readJson(file);
        if (HfGpt2Config.isHf(node)) {
            return HfGpt2Config.read(file, node);
        }
        int version = node.path("format_version").canConvertToExactIntegral() && node.get("format_version").canConvertToInt()
                ? node.get("format_version").intValue() : -1;   // not a whole number: "missing or invalid" below
        if (version < 1) {
            throw new BadInputException(file + ": format_version is missing or invalid (expected " + FORMAT_VERSION + ")");
        }
        if (version > FORMAT_VERSION) {
            throw new BadInputException(file + ": format_version " + version + " is newer than this Quill reads ("
                    + FORMAT_VERSION + "); upgrade Quill");
        }
        ObjectNode model = ConfigJson.object();
        for (String key : java.util.stream.Stream.concat(ModelConfig.KEYS.stream(), ModelConfig.OPTIONAL_KEYS.stream()).toList()) {
            if (node.has(key)) {
                model.set(key, node.get(key));
            }
        }
        for (String key : ModelConfig.KEYS) {
            if (!model.has(key)) {
                throw new BadInputException(file + ": key " + key + " is missing");
            }
        }
        try {
            return ModelConfig.fromJson(model, ModelConfig.shakespeareCharBaby());
        } catch (BadInputException e) {                         // name the file the bad value came from
            throw new BadInputException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether a directory is a Hugging Face GPT-2 checkpoint rather than a Quill one: its config.json names
     * a {@code model_type}. Loading it still checks that the type is {@code gpt2}.
     *
     * @param dir a checkpoint directory
     * @return true when config.json exists, parses, and has a {@code model_type} key
     */
    public static boolean isHuggingFace(Path dir) {
        try {
            return HfGpt2Config.isHf(readJson(dir.resolve(CONFIG)));
        } catch (BadInputException e) {
            return false;
        }
    }

    /** config.json parsed, or one line saying why it cannot be. */
    private static JsonNode readJson(Path file) {
        JsonNode node;
        try {
            node = ConfigJson.MAPPER.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new BadInputException("not a checkpoint: " + file + " is missing");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw ConfigJson.malformed("checkpoint config", file, e);
        } catch (IOException e) {
            throw new BadInputException("cannot read " + file + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (node == null || !node.isObject()) {
            throw new BadInputException(file + " is not a JSON object");
        }
        return node;
    }

    /**
     * Loads the model of a checkpoint directory (config and weights), in single precision.
     *
     * @param dir the checkpoint directory
     * @return the model, in training mode as a new model is
     * @throws BadInputException when a file is missing or does not match the config
     * @throws IOException       when reading fails for another reason
     */
    public static Gpt load(Path dir) throws IOException {
        return load(dir, DataType.FLOAT);
    }

    /**
     * Loads the model of a checkpoint directory in the given precision.
     *
     * @param dir  the checkpoint directory
     * @param type FLOAT, or DOUBLE for gradient checks
     * @return the model, in training mode as a new model is
     * @throws BadInputException when a file is missing or does not match the config, or the model cannot fit in
     *                           memory ({@link MemoryBudget})
     * @throws IOException       when reading fails for another reason
     */
    public static Gpt load(Path dir, DataType type) throws IOException {
        CheckpointChecksums.verify(dir);
        ModelConfig config = readConfig(dir);
        MemoryBudget.checkLoading(config, type.width(), dir.resolve(CONFIG).toString());   // before any allocation
        if (isHuggingFace(dir)) {
            Gpt model = HfGpt2Weights.load(dir, config, type);  // config + weights only; never writes into dir
            Map<String, INDArray> values = new LinkedHashMap<>();
            model.parameters().forEach((name, p) -> values.put(name, p.value()));
            FiniteWeights.check(values, dir);                    // under Quill's names, as the model holds them
            return model;
        }
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(weights)) {
            throw new BadInputException("not a checkpoint: " + weights + " is missing");
        }
        Map<String, INDArray> state = Safetensors.read(weights).tensors();
        FiniteWeights.check(state, weights);
        checkDepth(state.keySet(), config, weights);           // before building (and drawing) what config.json claims
        checkShape(state, "transformer.wte.weight", config.vocabSize(), config, weights);
        if (config.positions() == ModelConfig.Positions.LEARNED) {
            checkShape(state, "transformer.wpe.weight", config.blockSize(), config, weights);
        }
        checkShape(state, "transformer.h.0.mlp.c_fc.weight", config.mlpWidth(), config, weights);
        Gpt model = new Gpt(config, new Rng(0), type);
        model.loadState(state, false, weights.toString());
        if (Files.isRegularFile(dir.resolve(LoraCheckpoint.CONFIG))) {
            loadAdapter(model, dir);
        }
        return model;
    }

    /**
     * The blocks a weights file holds ({@code h.0 .. h.N-1}, with or without the {@code transformer.} prefix)
     * against config.json's n_layer, from the names alone: a config that claims more layers than the file
     * holds (thousands, say) fails here rather than after building them. Fewer is left to the name-by-name
     * match, which names the extra tensor.
     */
    static void checkDepth(java.util.Set<String> names, ModelConfig config, Path source) {
        int blocks = 0;
        for (String name : names) {
            Matcher m = LAYER.matcher(name);
            if (m.lookingAt() && m.group(1).length() < 10) {
                blocks = Math.max(blocks, Integer.parseInt(m.group(1)) + 1);
            }
        }
        if (blocks < config.nLayer()) {
            throw new BadInputException(source + ": the weights hold " + (blocks == 0 ? "no blocks (no h.N tensors)"
                    : blocks + " blocks (h.0 .. h." + (blocks - 1) + ")") + " but config.json gives n_layer = " + config.nLayer());
        }
    }

    /** A (rows, C) tensor of the file against config.json; an absent one is left to the model's own check. */
    private static void checkShape(Map<String, INDArray> state, String name, long rows, ModelConfig config, Path source) {
        INDArray a = state.get(name);
        long[] want = {rows, config.nEmbd()};
        if (a != null && !java.util.Arrays.equals(a.shape(), want)) {
            throw new BadInputException(source + ": tensor " + name + " has shape " + java.util.Arrays.toString(a.shape())
                    + " but the config gives " + java.util.Arrays.toString(want));
        }
    }

    /**
     * Puts the LoRA adapter of {@code adapterDir} onto {@code model} and merges it into the weights
     * (W += alpha/r B A), ready for inference: the merged model computes what the adapted one does, with the
     * plain weights' speed. A checkpoint written by a LoRA run holds its base and its adapter side by side,
     * so {@link #load} does this by itself.
     *
     * @param model      a base model without adapters, of the shape the adapter was trained on
     * @param adapterDir a directory with adapter_config.json and adapter.safetensors (or PEFT's
     *                   adapter_model.safetensors)
     * @throws BadInputException     for a bad adapter_config.json, or a missing, extra or misshapen tensor
     * @throws IllegalStateException when {@code model} already has adapters
     * @throws IOException           when reading fails for another reason
     */
    public static void loadAdapter(Gpt model, Path adapterDir) throws IOException {
        LoraCheckpoint.load(adapterDir, model);
        Lora.merge(model);
    }
}
