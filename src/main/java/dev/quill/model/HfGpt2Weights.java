package dev.quill.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quill.autograd.Tensor;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.ModelConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The weights of a Hugging Face GPT-2 directory, read into a {@link Gpt}: {@code model.safetensors}, or
 * the shards that {@code model.safetensors.index.json} lists ({@code weight_map}: tensor name -> file).
 *
 * <p>Names come as {@code transformers} saves them ({@code transformer.h.0.attn.c_attn.weight}) or as the
 * original {@code gpt2} upload has them ({@code h.0.attn.c_attn.weight}, {@code wte.weight}); both map to
 * Quill's names, which are the first form. GPT-2 computes its projections with {@code Conv1D}, whose weight
 * is stored (in, out) and applied as {@code x W + b}; Quill's {@link Linear} stores PyTorch's (out, in), so
 * {@code attn.c_attn}, {@code attn.c_proj}, {@code mlp.c_fc} and {@code mlp.c_proj} are transposed on the way
 * in. The causal-mask buffers {@code attn.bias} and {@code attn.masked_bias} are skipped. Without
 * {@code lm_head.weight} the head is tied to {@code wte}.
 *
 * <p>Every header is read and every tensor's name, dtype (F32, F16, BF16) and shape checked before any data
 * moves, so a bad directory fails with one line naming the tensor and the file. Then each tensor streams
 * from its file in 4 MB pieces straight into the model's parameter array: at no point does a second copy
 * of the weights exist (see {@link Gpt#forLoading}, which also skips the random initialization).
 */
final class HfGpt2Weights {

    private static final Logger LOG = LoggerFactory.getLogger(HfGpt2Weights.class);

    /** A single-file checkpoint. */
    static final String WEIGHTS = "model.safetensors";
    /** The index of a sharded checkpoint. */
    static final String INDEX = "model.safetensors.index.json";
    /** PyTorch's pickle format, which Quill does not read. */
    static final String PICKLE = "pytorch_model.bin";

    private static final Pattern BUFFER = Pattern.compile("h\\.\\d+\\.attn\\.(bias|masked_bias)");
    private static final Pattern CONV1D = Pattern.compile("transformer\\.h\\.\\d+\\.(attn\\.c_attn|attn\\.c_proj|mlp\\.c_fc|mlp\\.c_proj)\\.weight");
    private static final int CHUNK_BYTES = 1 << 22;

    /** Where one parameter's data lies: the file, its layout, and the header entry. */
    private record Source(Path file, Safetensors.Layout layout, SafetensorsHeader.Entry entry) {}

    private HfGpt2Weights() {
    }

    /**
     * Builds the model that {@code config} describes and fills every parameter from the directory.
     *
     * @param dir    the Hugging Face directory (read only)
     * @param config its config, from {@link HfGpt2Config#read}
     * @param type   FLOAT, or DOUBLE for gradient checks
     * @return the model, in training mode as a new model is
     * @throws BadInputException for a missing file, or a missing, extra, misshapen or wrongly typed tensor
     * @throws IOException       when reading fails for another reason
     */
    static Gpt load(Path dir, ModelConfig config, DataType type) throws IOException {
        long t0 = System.nanoTime();
        Map<String, Path> files = weightFiles(dir);
        Path source = Files.isRegularFile(dir.resolve(WEIGHTS)) ? dir.resolve(WEIGHTS) : dir.resolve(INDEX);
        Checkpoint.checkDepth(files.keySet(), config, source);   // before building n_layer blocks of parameters
        Gpt model = Gpt.forLoading(config, type);
        Map<String, Tensor> params = model.parameters();
        Map<String, Source> sources = match(files, params, config, source);
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        float[][] scratch = {new float[CHUNK_BYTES / 2], new float[CHUNK_BYTES / 2]}; // a piece's values, one column
        Map<Path, FileChannel> open = new LinkedHashMap<>();
        try {
            for (var e : sources.entrySet()) {
                Source s = e.getValue();
                FileChannel ch = open.get(s.file());
                if (ch == null) {
                    ch = FileChannel.open(s.file(), StandardOpenOption.READ);
                    open.put(s.file(), ch);
                }
                fill(ch, s, params.get(e.getKey()), CONV1D.matcher(e.getKey()).matches(), chunk, scratch);
            }
        } finally {
            for (FileChannel ch : open.values()) {
                ch.close();
            }
        }
        LOG.info("loaded Hugging Face GPT-2 {} ({} tensors, {} files) in {} ms", dir, sources.size(),
                open.size(), (System.nanoTime() - t0) / 1_000_000);
        return model;
    }

    /** Tensor name (as in the files) -> file, from the index or the single file. */
    private static Map<String, Path> weightFiles(Path dir) throws IOException {
        Path single = dir.resolve(WEIGHTS);
        Path index = dir.resolve(INDEX);
        if (Files.isRegularFile(single)) {
            Map<String, Path> out = new LinkedHashMap<>();
            try (FileChannel ch = FileChannel.open(single, StandardOpenOption.READ)) {
                for (var e : Safetensors.layout(ch, single).entries()) {
                    out.put(e.name(), single);
                }
            }
            return out;
        }
        if (Files.isRegularFile(index)) {
            JsonNode root;
            try {
                root = ConfigJson.MAPPER.readTree(Files.readString(index));
            } catch (IOException e) {
                throw new BadInputException("cannot read " + index + ": " + e.getMessage().lines().findFirst().orElse(""));
            }
            JsonNode map = root == null ? null : root.get("weight_map");
            if (map == null || !map.isObject()) {
                throw new BadInputException(index + ": weight_map is missing or not a JSON object");
            }
            Map<String, Path> out = new LinkedHashMap<>();
            for (var it = map.fields(); it.hasNext(); ) {
                var f = it.next();
                String name = f.getValue().asText();
                Path shard = dir.resolve(name).normalize();
                if (!f.getValue().isTextual() || !shard.startsWith(dir.normalize()) || !Files.isRegularFile(shard)) {
                    throw new BadInputException(index + ": tensor " + f.getKey() + " is mapped to " + f.getValue()
                            + ", which is not a file in " + dir);
                }
                out.put(f.getKey(), shard);
            }
            return out;
        }
        if (Files.isRegularFile(dir.resolve(PICKLE))) {
            throw new BadInputException(dir + " holds only " + PICKLE + " (a pickle, which Quill does not read): "
                    + "convert it with transformers, AutoModelForCausalLM.from_pretrained(dir).save_pretrained(out, "
                    + "safe_serialization=True), or download the hub's model.safetensors");
        }
        throw new BadInputException("not a checkpoint: " + dir + " has neither " + WEIGHTS + " nor " + INDEX);
    }

    /** Quill's name for a name in a GPT-2 file, or null for a buffer to skip. */
    static String quillName(String name) {
        String bare = name.startsWith("transformer.") ? name.substring("transformer.".length()) : name;
        if (BUFFER.matcher(bare).matches()) {
            return null;
        }
        return bare.equals("lm_head.weight") ? bare : "transformer." + bare;
    }

    /** Pairs every parameter with its tensor in the files, checking names, dtypes and shapes. */
    private static Map<String, Source> match(Map<String, Path> files, Map<String, Tensor> params, ModelConfig config,
                                             Path source) throws IOException {
        Map<Path, Safetensors.Layout> layouts = new LinkedHashMap<>();
        for (Path f : new java.util.LinkedHashSet<>(files.values())) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                layouts.put(f, Safetensors.layout(ch, f));
            }
        }
        Map<String, Source> found = new TreeMap<>();
        for (var f : files.entrySet()) {
            Path file = f.getValue();
            SafetensorsHeader.Entry entry = layouts.get(file).entries().stream()
                    .filter(x -> x.name().equals(f.getKey())).findFirst()
                    .orElseThrow(() -> new BadInputException(file + ": tensor " + f.getKey()
                            + " is listed in the index but not in this file"));
            String name = quillName(f.getKey());
            if (name == null) {
                continue;                                               // the causal-mask buffer
            }
            if (name.equals("lm_head.weight") && config.tieEmbeddings()) {
                LOG.info("{}: lm_head.weight skipped: tie_word_embeddings is true, so the head is wte", file);
                continue;
            }
            if (!params.containsKey(name)) {
                throw new BadInputException(file + ": tensor " + f.getKey() + " is not a parameter of a GPT-2 of this "
                        + "config.json");
            }
            if (found.containsKey(name)) {
                throw new BadInputException(file + ": tensor " + f.getKey() + " appears twice (with and without "
                        + "the transformer. prefix)");
            }
            if (entry.dtype() != SafetensorsDtype.F32 && !entry.dtype().isHalf()) {
                throw new BadInputException(file + ": tensor " + f.getKey() + " has dtype " + entry.dtype()
                        + "; GPT-2 weights must be F32, F16 or BF16");
            }
            long[] want = params.get(name).shape();
            if (CONV1D.matcher(name).matches()) {
                want = new long[] {want[1], want[0]};                   // Conv1D: (in, out)
            }
            if (!Arrays.equals(entry.shape(), want)) {
                throw new BadInputException(file + ": tensor " + f.getKey() + " has shape " + Arrays.toString(entry.shape())
                        + " but config.json gives " + Arrays.toString(want));
            }
            found.put(name, new Source(file, layouts.get(file), entry));
        }
        for (String name : params.keySet()) {
            if (!found.containsKey(name)) {
                String shown = name.equals("lm_head.weight") ? "lm_head.weight (tie_word_embeddings is false)" : name;
                throw new BadInputException(source + ": tensor " + shown + " is missing");
            }
        }
        return found;
    }

    /**
     * Streams one tensor into its parameter, converting halves to float and, for Conv1D weights, writing
     * element (i, o) of the (in, out) file tensor to (o, i) of the (out, in) parameter. A piece of the file
     * holds whole rows i0 .. i0+r-1 when transposing; each of its columns o then lands as one contiguous run
     * (o, i0 .. i0+r-1) of the parameter.
     */
    private static void fill(FileChannel ch, Source s, Tensor param, boolean transpose, ByteBuffer chunk,
                             float[][] scratch) throws IOException {
        INDArray dst = param.value();
        boolean direct = dst.dataType() == DataType.FLOAT && !dst.isView() && dst.ordering() == 'c';
        INDArray target = direct ? dst : Nd4j.createUninitialized(DataType.FLOAT, dst.shape(), 'c');
        FloatBuffer out = target.data().asNio().order(ByteOrder.nativeOrder()).asFloatBuffer();
        SafetensorsHeader.Entry e = s.entry();
        long[] shape = e.shape();
        int cols = transpose ? (int) shape[1] : 1;                     // out, for a Conv1D (in, out)
        int rows = transpose ? (int) shape[0] : 1;                     // in
        int bytes = e.dtype().bytes;
        int piece = CHUNK_BYTES / (cols * bytes) * (cols * bytes);     // whole rows
        long pos = s.layout().dataStart() + e.begin();
        long remaining = e.end() - e.begin();
        int k = 0;                                                      // element index in file order
        float[] values = scratch[0];                                    // (count) at most CHUNK_BYTES / 2
        float[] column = scratch[1];                                    // (r) at most count
        while (remaining > 0) {
            int n = (int) Math.min(remaining, piece);
            chunk.clear().limit(n);
            Safetensors.readFully(ch, chunk, pos, s.file());
            chunk.flip();
            int count = n / bytes;
            if (!transpose && e.dtype() == SafetensorsDtype.F32) {
                out.position(k);
                out.put(chunk.asFloatBuffer());                         // as stored: one bulk copy
            } else {
                if (e.dtype().isHalf()) {
                    for (int j = 0; j < count; j++) {
                        values[j] = Float.intBitsToFloat(e.dtype().halfToFloatBits(chunk.getShort(2 * j)));
                    }
                } else {
                    chunk.asFloatBuffer().get(values, 0, count);
                }
                if (!transpose) {
                    out.position(k);
                    out.put(values, 0, count);
                } else {
                    int r = count / cols;                               // rows i0 .. i0+r-1 of (in, out)
                    int i0 = k / cols;
                    for (int o = 0; o < cols; o++) {
                        for (int i = 0; i < r; i++) {
                            column[i] = values[i * cols + o];           // (i0+i, o)
                        }
                        out.position(o * rows + i0);                     // -> (o, i0 .. i0+r-1)
                        out.put(column, 0, r);
                    }
                }
            }
            k += count;
            pos += n;
            remaining -= n;
        }
        if (!direct) {
            dst.assign(target.castTo(dst.dataType()));
        }
    }
}
