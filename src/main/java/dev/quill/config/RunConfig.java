package dev.quill.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;

/**
 * One training run's configuration: {@code {"model": {...}, "train": {...}, "data": {...}}}, and for
 * fine-tuning an {@code "sft"} section (instruction tuning on conversations) and a {@code "lora"} section
 * (train low-rank adapters instead of every weight). Values come from the presets (nanoGPT's baby
 * Shakespeare recipe), then the file, then {@code --set section.key=value} overrides, in that order.
 *
 * @param name              the run's name (the config file's base name), used for the default output directory
 * @param model             the model's shape
 * @param train             the training recipe
 * @param data              the data source
 * @param vocabSizeExplicit whether model.vocab_size was given; if not, the tokenizer decides it
 * @param modelGiven        whether the config gave a model section; without one, a run that starts from a
 *                          checkpoint ({@code train.init_from}) takes the checkpoint's shape
 * @param sft               instruction tuning, or null for pre-training on plain text
 * @param lora              low-rank adapters, or null to train every weight
 */
public record RunConfig(String name, ModelConfig model, TrainConfig train, DataConfig data, boolean vocabSizeExplicit,
                        boolean modelGiven, SftConfig sft, LoraConfig lora) {

    /** The sections a run config may have. */
    public static final List<String> SECTIONS = List.of("model", "train", "data", "sft", "lora");

    /** {@return the presets alone: nanoGPT's baby Shakespeare recipe, named "shakespeare-char-baby"} */
    public static RunConfig defaults() {
        return new RunConfig("shakespeare-char-baby", ModelConfig.shakespeareCharBaby(), TrainConfig.shakespeareCharBaby(),
                DataConfig.tinyShakespeareChars(), false, false, null, null);
    }

    /**
     * Reads a run config file (null for none), then applies {@code key=value} overrides.
     *
     * @param file a JSON file with any of the sections model, train and data; null for the presets alone
     * @param sets {@code section.key=value} overrides, applied in order; a value is read as JSON when it
     *             parses ({@code 3e-4}, {@code true}), else as a string
     * @return the resolved config, named after the file (or "run")
     * @throws BadInputException for a missing or malformed file, a malformed override, an unknown key or a
     *                           value out of range
     */
    public static RunConfig load(Path file, List<String> sets) {
        ObjectNode root = ConfigJson.object();
        String name = "run";
        if (file != null) {
            name = file.getFileName().toString().replaceFirst("\\.json$", "");
            root = ConfigJson.readObject(file, "config", "a JSON object with sections model, train, data");
            try {
                return fromJson(name, root, sets);
            } catch (BadInputException e) {                     // name the file the bad value came from
                throw new BadInputException(file + ": " + e.getMessage(), e);
            }
        }
        return fromJson(name, root, sets);
    }

    /**
     * Parses a run config object after applying {@code key=value} overrides to it (the object is changed).
     *
     * @param name the run's name
     * @param root the whole config object; the overrides are written into it
     * @param sets {@code section.key=value} overrides, applied in order; a value is read as JSON when it
     *             parses, else as a string
     * @return the resolved config
     * @throws BadInputException for a malformed override, an unknown section or key, a wrong type or a value
     *                           out of range
     */
    public static RunConfig fromJson(String name, ObjectNode root, List<String> sets) {
        for (String set : sets) {
            override(root, set);
        }
        return fromJson(name, root);
    }

    /**
     * Parses the three sections over the presets.
     *
     * @param name the run's name
     * @param root the whole config object; a missing section keeps its preset
     * @return the resolved config
     * @throws BadInputException for an unknown section or key, a wrong type or a value out of range
     */
    public static RunConfig fromJson(String name, JsonNode root) {
        ConfigJson.checkKeys("config", root, SECTIONS);
        RunConfig d = defaults();
        JsonNode m = root.path("model");
        ModelConfig model = m.isMissingNode() ? d.model : ModelConfig.fromJson(m, d.model);
        TrainConfig train = root.has("train") ? TrainConfig.fromJson(root.get("train"), d.train) : d.train;
        DataConfig data = root.has("data") ? DataConfig.fromJson(root.get("data"), d.data) : d.data;
        SftConfig sft = root.has("sft") ? SftConfig.fromJson(root.get("sft"), SftConfig.defaults()) : null;
        LoraConfig lora = root.has("lora") ? LoraConfig.fromJson(root.get("lora"), LoraConfig.defaults()) : null;
        return new RunConfig(name, model, train, data, m.has("vocab_size"), !m.isMissingNode(), sft, lora);
    }

    /** Applies one {@code section.key=value}; the value is read as JSON when it parses, else as a string. */
    static void override(ObjectNode root, String set) {
        int eq = set.indexOf('=');
        int dot = set.indexOf('.');
        if (eq < 0 || dot < 0 || dot > eq) {
            throw new BadInputException("--set " + set + ": expected section.key=value, e.g. train.max_iters=200");
        }
        String section = set.substring(0, dot);
        String key = set.substring(dot + 1, eq);
        String raw = set.substring(eq + 1);
        if (!SECTIONS.contains(section)) {
            throw new BadInputException("--set " + set + ": unknown section " + section + "; use one of " + SECTIONS);
        }
        JsonNode value;
        try {
            value = ConfigJson.MAPPER.readTree(raw);
            if (value == null || value.isMissingNode()) {
                value = ConfigJson.MAPPER.getNodeFactory().textNode(raw);
            }
        } catch (JsonProcessingException e) {
            value = ConfigJson.MAPPER.getNodeFactory().textNode(raw);
        }
        JsonNode sec = root.get(section);
        if (sec != null && !sec.isObject()) {
            throw new BadInputException("config section " + section + " must be a JSON object");
        }
        ObjectNode target = sec == null ? root.putObject(section) : (ObjectNode) sec;
        target.set(key, value);
    }

    /**
     * @param m the new model config (the vocabulary set by the tokenizer, for example)
     * @return the same run with another model config
     */
    public RunConfig withModel(ModelConfig m) {
        return new RunConfig(name, m, train, data, vocabSizeExplicit, modelGiven, sft, lora);
    }

    /**
     * @param d the new data config ({@code --data FILE}, for example)
     * @return the same run with another data config
     */
    public RunConfig withData(DataConfig d) {
        return new RunConfig(name, model, train, d, vocabSizeExplicit, modelGiven, sft, lora);
    }

    /**
     * {@return a new JSON object with every section and key as the run resolved them (sft and lora only
     * when present)}
     */
    public ObjectNode toJson() {
        ObjectNode o = ConfigJson.object();
        o.set("model", model.toJson());
        o.set("train", train.toJson());
        o.set("data", data.toJson());
        if (sft != null) {
            o.set("sft", sft.toJson());
        }
        if (lora != null) {
            o.set("lora", lora.toJson());
        }
        return o;
    }
}
