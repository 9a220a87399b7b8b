package dev.quill.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.autograd.Rng;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.LoraConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Adapters on disk without the base model, in the layout of a PEFT LoRA adapter, so
 * {@code PeftModel.from_pretrained} and {@code safetensors.torch.load_file} can read it: a directory with
 * <ul>
 *   <li>{@code adapter_config.json}: PEFT's keys {@code peft_type: "LORA"}, {@code r}, {@code lora_alpha},
 *       {@code lora_dropout}, {@code target_modules}, {@code base_model_name_or_path} (whatever names the
 *       base checkpoint, e.g. its directory), and the fixed {@code bias: "none"}, {@code fan_in_fan_out:
 *       false}, {@code use_rslora: false}, {@code task_type: "CAUSAL_LM"};</li>
 *   <li>{@code adapter.safetensors}: F32 tensors {@code base_model.model.<module path>.lora_A.weight}
 *       (r, in) and {@code ...lora_B.weight} (out, r), e.g.
 *       {@code base_model.model.transformer.h.0.attn.c_attn.lora_A.weight}.</li>
 * </ul>
 * PEFT itself names the weights file {@code adapter_model.safetensors}; Quill writes {@code adapter.safetensors}
 * (the name this project's users were promised) and reads either, so a directory PEFT wrote loads here, and
 * renaming the one file is all PEFT needs to open ours. A few megabytes where the model is many. Loading puts the adapters onto a base {@link Gpt} after checking
 * every tensor (present, rank, shape, nothing extra), so a wrong file fails with one message naming the
 * tensor and leaves the model as it was.
 */
public final class LoraCheckpoint {

    /** PEFT's file name for the configuration. */
    public static final String CONFIG = "adapter_config.json";
    /** The adapter weights' file name. */
    public static final String WEIGHTS = "adapter.safetensors";
    /** PEFT's name for the same file, also read. */
    public static final String PEFT_WEIGHTS = "adapter_model.safetensors";
    /** PEFT's prefix of every tensor name (its wrapper model around the base model). */
    public static final String PREFIX = "base_model.model.";

    /**
     * What an adapter directory says about itself.
     *
     * @param config    rank, alpha, dropout and targets
     * @param baseModel {@code base_model_name_or_path}: the base checkpoint it was trained on, or null
     */
    public record Info(LoraConfig config, String baseModel) {
    }

    private LoraCheckpoint() {
    }

    /**
     * Writes the adapters of {@code model} into {@code dir} (created if needed), each file replaced
     * atomically. The base weights are not written.
     *
     * @param dir       the adapter directory
     * @param model     a model with adapters ({@link Lora#apply}), all of one {@link LoraConfig}; A and B are
     *                  written in float32
     * @param baseModel written as {@code base_model_name_or_path}: whatever names the base checkpoint, e.g.
     *                  its directory; null for none
     * @throws IllegalArgumentException if the model has no adapters
     * @throws IllegalStateException    if its adapters have different configs
     * @throws IOException              when the directory or a file cannot be written
     */
    public static void save(Path dir, Gpt model, String baseModel) throws IOException {
        Map<String, LoraLinear> adapters = Lora.adapters(model);
        if (adapters.isEmpty()) {
            throw new IllegalArgumentException("LoraCheckpoint.save: the model has no adapters (Lora.apply first)");
        }
        LoraConfig config = adapters.values().iterator().next().config();
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        adapters.forEach((path, lora) -> {
            if (!lora.config().equals(config)) {
                throw new IllegalStateException("LoraCheckpoint.save: adapters with different configs (" + path + ")");
            }
            tensors.put(PREFIX + path + ".lora_A.weight", lora.loraA().value().castTo(DataType.FLOAT));
            tensors.put(PREFIX + path + ".lora_B.weight", lora.loraB().value().castTo(DataType.FLOAT));
        });
        Files.createDirectories(dir);
        Safetensors.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
        writeAtomically(dir.resolve(CONFIG), ConfigJson.MAPPER.writerWithDefaultPrettyPrinter()
                .writeValueAsString(configJson(config, baseModel)) + "\n");
    }

    /** adapter_config.json's contents. */
    static ObjectNode configJson(LoraConfig config, String baseModel) {
        ObjectNode o = ConfigJson.object();
        o.put("peft_type", "LORA");
        o.put("task_type", "CAUSAL_LM");
        if (baseModel == null) {
            o.putNull("base_model_name_or_path");
        } else {
            o.put("base_model_name_or_path", baseModel);
        }
        o.put("r", config.rank());
        double alpha = config.alpha();
        if (alpha == Math.rint(alpha) && Math.abs(alpha) < Integer.MAX_VALUE) {
            o.put("lora_alpha", (int) alpha);                       // PEFT writes an integer alpha as one
        } else {
            o.put("lora_alpha", alpha);
        }
        o.put("lora_dropout", config.dropout());
        config.targets().forEach(o.putArray("target_modules")::add);
        o.put("bias", "none");
        o.put("fan_in_fan_out", false);
        o.put("use_rslora", false);
        o.put("inference_mode", true);
        return o;
    }

    /**
     * Reads and checks adapter_config.json of an adapter directory; tensors are not read.
     *
     * @param dir the adapter directory
     * @return its LoRA config (from {@code r}, {@code lora_alpha}, {@code lora_dropout},
     *     {@code target_modules}) and base model name
     * @throws BadInputException when the file is missing or malformed, {@code peft_type} is not LORA, a
     *     required key is missing, or it asks for what Quill does not support (rsLoRA, DoRA, biases,
     *     fan_in_fan_out, a regular-expression target); the message names the file
     */
    public static Info readConfig(Path dir) {
        Path file = dir.resolve(CONFIG);
        JsonNode n;
        try {
            n = ConfigJson.MAPPER.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw new BadInputException("not a LoRA adapter: " + file + " is missing");
        } catch (JsonProcessingException e) {
            throw new BadInputException(file + ": malformed JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        } catch (IOException e) {
            throw new BadInputException("cannot read " + file + ": " + e.getMessage());
        }
        if (n == null || !n.isObject()) {
            throw new BadInputException(file + " is not a JSON object");
        }
        try {
            return parseConfig(n);
        } catch (BadInputException e) {
            throw new BadInputException(file + ": " + e.getMessage(), e);
        }
    }

    private static Info parseConfig(JsonNode n) {
        String s = "adapter_config";
        String type = ConfigJson.getString(s, n, "peft_type", null);
        if (!"LORA".equals(type)) {
            throw new BadInputException("peft_type is " + (type == null ? "missing" : "\"" + type + "\"")
                    + "; Quill loads \"LORA\" adapters");
        }
        for (String key : List.of("r", "lora_alpha", "target_modules")) {
            if (!n.hasNonNull(key)) {
                throw new BadInputException("key " + key + " is missing");
            }
        }
        for (String key : List.of("use_rslora", "use_dora", "fan_in_fan_out")) {
            if (ConfigJson.getBoolean(s, n, key, false)) {
                throw new BadInputException(key + " is true; Quill supports plain LoRA only");
            }
        }
        String bias = ConfigJson.getString(s, n, "bias", "none");
        if (!bias.equals("none")) {
            throw new BadInputException("bias is \"" + bias + "\"; Quill supports adapters without biases (\"none\")");
        }
        if (n.get("target_modules").isTextual()) {
            throw new BadInputException("target_modules is one string, which PEFT reads as a regular expression; "
                    + "Quill reads a list of module names");
        }
        int r = ConfigJson.getInt(s, n, "r", 0);
        double alpha = ConfigJson.getDouble(s, n, "lora_alpha", 0);
        double dropout = ConfigJson.getDouble(s, n, "lora_dropout", 0.0);
        ConfigJson.require(r >= 1, s, "r", r, "must be at least 1");
        ConfigJson.require(alpha > 0 && Double.isFinite(alpha), s, "lora_alpha", alpha, "must be positive");
        ConfigJson.require(dropout >= 0 && dropout < 1, s, "lora_dropout", dropout, "must be in [0, 1)");
        LoraConfig config = new LoraConfig(r, alpha, dropout, ConfigJson.getStringList(s, n, "target_modules", List.of()));
        return new Info(config, ConfigJson.getString(s, n, "base_model_name_or_path", null));
    }

    /**
     * Puts the adapters of {@code dir} onto {@code model}, a base model without adapters: the targeted
     * projections become {@link LoraLinear}s holding the file's A and B, and the model is frozen as by
     * {@link Lora#apply}. Every tensor is checked before anything changes.
     *
     * @param dir   the adapter directory; adapter.safetensors is read, or PEFT's adapter_model.safetensors
     *              when only that one exists
     * @param model a base model without adapters; A and B are cast to its data type
     * @return what the directory's adapter_config.json says
     * @throws BadInputException for a missing or extra tensor, a rank or shape that does not fit the model,
     *     a target that selects no projection, or a bad adapter_config.json
     * @throws IllegalStateException if the model already has adapters
     * @throws IOException if reading the weights fails for another reason
     */
    public static Info load(Path dir, Gpt model) throws IOException {
        CheckpointChecksums.verify(dir, List.of(CONFIG, WEIGHTS, PEFT_WEIGHTS));
        Info info = readConfig(dir);
        LoraConfig config = info.config();
        if (model.hasAdapters()) {
            throw new IllegalStateException("LoraCheckpoint.load: the model already has adapters; load onto a base model");
        }
        Path file = !Files.isRegularFile(dir.resolve(WEIGHTS)) && Files.isRegularFile(dir.resolve(PEFT_WEIGHTS))
                ? dir.resolve(PEFT_WEIGHTS) : dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) {
            throw new BadInputException("not a LoRA adapter: " + file + " is missing");
        }
        Map<String, Projection> targets;
        try {
            targets = Lora.targets(model, config);
        } catch (BadInputException e) {
            throw new BadInputException(dir.resolve(CONFIG) + ": " + e.getMessage(), e);
        }
        Map<String, INDArray> state = Safetensors.read(file).tensors();
        FiniteWeights.check(state, file);
        Map<String, long[]> expected = new LinkedHashMap<>();
        targets.forEach((path, p) -> {
            long out = p.weight().size(0);
            long in = p.weight().size(1);
            expected.put(PREFIX + path + ".lora_A.weight", new long[] {config.rank(), in});
            expected.put(PREFIX + path + ".lora_B.weight", new long[] {out, config.rank()});
        });
        expected.forEach((name, want) -> check(file, name, state.get(name), want, config.rank()));
        for (String name : state.keySet()) {
            if (!expected.containsKey(name)) {
                throw new BadInputException(file + ": tensor " + name + " is not an adapter of a projection that "
                        + CONFIG + " targets " + config.targets() + " in this model");
            }
        }
        Map<String, LoraLinear> adapters = Lora.apply(model, config, new Rng(0));   // A is overwritten below
        adapters.forEach((path, lora) -> {
            lora.loraA().value().assign(state.get(PREFIX + path + ".lora_A.weight").castTo(model.dataType()));
            lora.loraB().value().assign(state.get(PREFIX + path + ".lora_B.weight").castTo(model.dataType()));
        });
        return info;
    }

    private static void check(Path file, String name, INDArray a, long[] want, int rank) {
        if (a == null) {
            throw new BadInputException(file + ": tensor " + name + " is missing (" + CONFIG + " targets its module)");
        }
        long[] got = a.shape();
        if (Arrays.equals(got, want)) {
            return;
        }
        boolean isA = name.endsWith(".lora_A.weight");
        int rankAxis = isA ? 0 : 1;
        if (got.length == 2 && got[1 - rankAxis] == want[1 - rankAxis]) {
            throw new BadInputException(file + ": tensor " + name + " has rank " + got[rankAxis] + " (shape "
                    + Arrays.toString(got) + ") but " + CONFIG + " gives r = " + rank);
        }
        throw new BadInputException(file + ": tensor " + name + " has shape " + Arrays.toString(got) + " but this model needs "
                + Arrays.toString(want) + " (is the adapter for another base model?)");
    }

    /** Write-then-rename, as {@link Safetensors#write} does, so a reader never sees half a file. */
    private static void writeAtomically(Path target, String text) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
