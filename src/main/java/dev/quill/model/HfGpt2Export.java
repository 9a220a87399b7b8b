package dev.quill.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quill.autograd.Tensor;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.ModelConfig;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Writes a {@link Gpt} as a Hugging Face GPT-2 directory that {@code GPT2LMHeadModel.from_pretrained} opens:
 * {@code config.json} ({@link HfGpt2Config#toJson}) and {@code model.safetensors} in F32 under the names
 * transformers saves ({@code transformer.h.0.attn.c_attn.weight}, ...), the four projections transposed to
 * Conv1D's (in, out), {@code lm_head.weight} only when the head is not tied.
 *
 * <p>Only what GPT-2 computes exactly is exported. LayerNorm (RMSNorm is refused: GPT-2 has no such layer);
 * either GELU; any MLP width ({@code n_inner}); tied or untied head. A model without biases is written with
 * zero biases, which computes the same. Sinusoidal positions are written as the table {@code wpe} of the
 * first block_size positions, the values Quill itself adds. A model with LoRA adapters is refused: merge
 * them first ({@link Lora#merge}), which changes the model, so the caller decides.
 *
 * <p>The output directory must be absent, empty, or a previous export (its config.json names a
 * {@code model_type} and its model.safetensors carries the metadata {@code "writer": "quill"}); anything
 * else, a Quill checkpoint or a downloaded GPT-2 included, is refused rather than overwritten.
 * Each file is written beside its final name and renamed into place.
 */
public final class HfGpt2Export {

    /** model.safetensors' metadata: transformers requires format pt; writer marks a previous export. */
    static final Map<String, String> METADATA = java.util.Collections.unmodifiableMap(
            new java.util.TreeMap<>(Map.of("format", "pt", "writer", "quill")));     // sorted: the same bytes every run

    private HfGpt2Export() {
    }

    /**
     * Exports with {@code bos_token_id} and {@code eos_token_id} null in config.json (left out, transformers
     * would assume GPT-2's 50256, outside most vocabularies).
     *
     * @param model  the model
     * @param outDir the directory to write
     * @throws BadInputException for a model GPT-2 cannot express, or an out dir that is not free to write
     * @throws IOException       when writing fails
     */
    public static void write(Gpt model, Path outDir) throws IOException {
        write(model, outDir, null, null);
    }

    /**
     * Exports the model, with the tokenizer's begin and end ids in config.json when given.
     *
     * @param model  the model
     * @param outDir the directory to write: absent, empty, or a previous export
     * @param bosId  {@code bos_token_id}, or null for none
     * @param eosId  {@code eos_token_id}, or null for none
     * @throws BadInputException for a model GPT-2 cannot express, or an out dir that is not free to write
     * @throws IOException       when writing fails
     */
    public static void write(Gpt model, Path outDir, Integer bosId, Integer eosId) throws IOException {
        ModelConfig cfg = model.config();
        if (cfg.norm() != ModelConfig.Norm.LAYERNORM) {
            throw new BadInputException("cannot export to GPT-2: model.norm = " + cfg.norm().name().toLowerCase()
                    + ", but GPT-2 has LayerNorm only");
        }
        if (model.hasAdapters()) {
            throw new BadInputException("cannot export to GPT-2: the model has unmerged LoRA adapters; merge them "
                    + "into the weights first (Lora.merge)");
        }
        checkOutDir(outDir);
        Map<String, INDArray> tensors = tensors(model);
        Files.createDirectories(outDir);
        String json = ConfigJson.MAPPER.writerWithDefaultPrettyPrinter()
                .writeValueAsString(HfGpt2Config.toJson(cfg, bosId, eosId)) + "\n";
        Path config = outDir.resolve(Checkpoint.CONFIG);
        Path tmp = outDir.resolve(Checkpoint.CONFIG + ".tmp");
        try {
            Files.writeString(tmp, json);
            try {
                Files.move(tmp, config, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, config, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        Safetensors.write(outDir.resolve(HfGpt2Weights.WEIGHTS), tensors, METADATA);
    }

    private static void checkOutDir(Path outDir) throws IOException {
        if (!Files.exists(outDir)) {
            return;
        }
        if (!Files.isDirectory(outDir)) {
            throw new BadInputException("cannot export to " + outDir + ": it is a file, not a directory");
        }
        boolean empty;
        try (Stream<Path> s = Files.list(outDir)) {
            empty = s.findAny().isEmpty();
        }
        if (empty) {
            return;
        }
        boolean previous = false;
        try {
            JsonNode node = ConfigJson.MAPPER.readTree(Files.readString(outDir.resolve(Checkpoint.CONFIG)));
            Path weights = outDir.resolve(HfGpt2Weights.WEIGHTS);
            try (var ch = java.nio.channels.FileChannel.open(weights)) {
                previous = HfGpt2Config.isHf(node) && "quill".equals(Safetensors.layout(ch, weights).metadata().get("writer"));
            }
        } catch (IOException | BadInputException e) {
            // no readable config.json or weights: not a previous export
        }
        if (!previous) {
            throw new BadInputException("cannot export to " + outDir + ": the directory is not empty and not a previous "
                    + "export by Quill (config.json with model_type, model.safetensors written by quill); choose a new directory");
        }
    }

    /** The tensors in transformers' order and layout, F32. */
    static Map<String, INDArray> tensors(Gpt model) {
        ModelConfig cfg = model.config();
        Map<String, Tensor> p = model.parameters();
        Map<String, INDArray> out = new LinkedHashMap<>();
        int c = cfg.nEmbd();
        out.put("transformer.wte.weight", f32(p.get("transformer.wte.weight").value()));
        if (cfg.positions() == ModelConfig.Positions.LEARNED) {
            out.put("transformer.wpe.weight", f32(p.get("transformer.wpe.weight").value()));
        } else {
            out.put("transformer.wpe.weight", f32(new SinusoidalPositions(cfg.blockSize(), c, model.dataType())
                    .forward(0, cfg.blockSize()).value()));             // (block_size, C), the values Quill adds
        }
        for (int l = 0; l < cfg.nLayer(); l++) {
            String h = "transformer.h." + l + ".";
            norm(out, p, h + "ln_1", c);
            linear(out, p, h + "attn.c_attn", 3 * c);
            linear(out, p, h + "attn.c_proj", c);
            norm(out, p, h + "ln_2", c);
            linear(out, p, h + "mlp.c_fc", cfg.mlpWidth());
            linear(out, p, h + "mlp.c_proj", c);
        }
        norm(out, p, "transformer.ln_f", c);
        if (!cfg.tieEmbeddings()) {
            out.put("lm_head.weight", f32(p.get("lm_head.weight").value()));
        }
        return out;
    }

    private static void norm(Map<String, INDArray> out, Map<String, Tensor> p, String name, int c) {
        out.put(name + ".weight", f32(p.get(name + ".weight").value()));
        out.put(name + ".bias", bias(p, name, c));
    }

    /** A Linear (out, in) as Conv1D (in, out), and its bias (zeros when it has none). */
    private static void linear(Map<String, INDArray> out, Map<String, Tensor> p, String name, int outFeatures) {
        out.put(name + ".weight", f32(p.get(name + ".weight").value().transpose()));  // (in, out)
        out.put(name + ".bias", bias(p, name, outFeatures));
    }

    private static INDArray bias(Map<String, Tensor> p, String name, int n) {
        Tensor b = p.get(name + ".bias");
        return b == null ? Nd4j.zeros(DataType.FLOAT, n) : f32(b.value());
    }

    private static INDArray f32(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c');
    }
}
