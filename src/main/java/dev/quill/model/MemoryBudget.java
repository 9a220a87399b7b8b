package dev.quill.model;

import dev.quill.autograd.MemoryScope;
import dev.quill.config.BadInputException;
import dev.quill.config.ModelConfig;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * What a model of a given shape needs in memory, checked from its config before anything is allocated, so
 * that a config that cannot possibly fit fails in one line naming the key instead of after minutes of
 * loading, in the OOM killer, or as an overflow deep inside ND4J.
 *
 * <p>Two limits:
 * <ul>
 *   <li>One tensor: Quill's safetensors reader and writer move each tensor through one Java buffer, which
 *       holds at most 2^31 - 1 bytes, so a float32 tensor has at most 536,870,911 values (a 2 GiB
 *       {@code wte}: vocab_size x n_embd). Widths that overflow an int (3 n_embd, mlp_ratio x n_embd) are
 *       caught by the same rule.</li>
 *   <li>The machine: the estimate below against the machine's physical memory (as the JVM reports it,
 *       container limits included).</li>
 * </ul>
 *
 * <p>The estimate, in bytes:
 * <pre>
 *   P = V C [+ V C untied] [+ T C learned] + L (2 norm + 3C C + C C + H C + C H + biases) + norm   (exact)
 *   training:  16 P (weights, gradients, AdamW's m and v; 4 P with LoRA, whose frozen weights have neither)
 *            + 4 B T (L (2 (10 C + 2 H + 2 nh T)) + 2 V + 2 C)     (one micro-batch's activations)
 *   inference: P x the bytes of the type (4 for float32)
 * </pre>
 * The activation term counts, per token and layer, the tensors a forward keeps (norm outputs, q k v,
 * attention output, projections, residuals: 10 C; the MLP's two hidden tensors: 2 H; the attention
 * probabilities P (B, nh, T, T): nh T) and as much again for their gradients, plus the logits and their
 * gradient. It is a floor, not a forecast: a step allocates more than it keeps (GPT-2 124M at batch 1,
 * block 1024 is estimated at 6.2 GB and peaked at 11.2 GB resident), so the check refuses only configs that
 * are clearly impossible and lets the rest try. The message names the model's keys when the weights alone do
 * not fit, else {@code train.batch_size} and {@code model.block_size}, which a smaller micro-batch fixes.
 */
public final class MemoryBudget {

    /** The largest tensor Quill's files hold, in bytes: one Java buffer's capacity. */
    public static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE;

    private MemoryBudget() {
    }

    /**
     * The exact parameter count of a {@link Gpt} of this shape (adapters not included).
     *
     * @param c the model's shape
     * @return the number of parameters
     * @throws BadInputException when a tensor is larger than {@link #MAX_TENSOR_BYTES} as float32, naming the key
     */
    public static long parameters(ModelConfig c) {
        checkTensors(c);
        long C = c.nEmbd(), V = c.vocabSize(), T = c.blockSize(), L = c.nLayer(), H = hidden(c);
        long b = c.bias() ? 1 : 0;
        long norm = C * (1 + b);
        long block = 2 * norm + (3 * C * C + b * 3 * C) + (C * C + b * C) + (H * C + b * H) + (C * H + b * C);
        long embeddings = V * C * (c.tieEmbeddings() ? 1 : 2)
                + (c.positions() == ModelConfig.Positions.LEARNED ? T * C : 0);
        try {                                       // each tensor is checked small, but n_layer copies may overflow
            return Math.addExact(Math.addExact(embeddings, Math.multiplyExact(L, block)), norm);
        } catch (ArithmeticException e) {
            throw new BadInputException("model.n_layer = " + c.nLayer() + " with model.n_embd = " + c.nEmbd()
                    + ": the parameter count overflows a 64-bit integer");
        }
    }

    /**
     * Refuses a training run that cannot fit: a tensor too large, or the estimate (class comment) over the
     * machine's memory.
     *
     * @param c         the model's shape
     * @param batchSize sequences per micro-batch ({@code train.batch_size})
     * @param lora      whether only LoRA adapters train (the weights are frozen: no gradients or moments)
     * @throws BadInputException in one line naming the key and the memory it would need
     */
    public static void checkTraining(ModelConfig c, int batchSize, boolean lora) {
        checkTraining(c, batchSize, lora, physicalMemory());
    }

    static void checkTraining(ModelConfig c, int batchSize, boolean lora, long available) {
        long p = parameters(c);
        double weights = (double) p * (lora ? 4 : 16);
        double activations = activationBytes(c, batchSize);
        if (weights + activations <= available) {
            return;
        }
        String key = weights > available                  // the model alone is too large, whatever the batch
                ? dominantModelKey(c)
                : "train.batch_size = " + batchSize + " with model.block_size = " + c.blockSize();
        throw new BadInputException(key + " cannot fit: training needs at least " + gb(weights + activations)
                + " (" + String.format(Locale.ROOT, "%,d", p) + " parameters x " + (lora ? "4 bytes, LoRA" : "16 bytes: "
                + "weights, gradients, AdamW's two moments") + " = " + gb(weights) + ", plus about " + gb(activations)
                + " of activations for one micro-batch), more than this machine's " + gb(available) + " of memory");
    }

    /**
     * Refuses loading a model that cannot fit: a tensor too large, or its weights over the machine's memory.
     *
     * @param c             the model's shape
     * @param bytesPerValue 4 for float32, 8 for double
     * @param source        the config file, for the message
     * @throws BadInputException in one line naming the file, the key and the memory it would need
     */
    public static void checkLoading(ModelConfig c, int bytesPerValue, String source) {
        checkLoading(c, bytesPerValue, source, physicalMemory());
    }

    static void checkLoading(ModelConfig c, int bytesPerValue, String source, long available) {
        long p;
        try {
            p = parameters(c);
        } catch (BadInputException e) {
            throw new BadInputException(source + ": " + e.getMessage(), e);
        }
        double bytes = (double) p * bytesPerValue;
        if (bytes > available) {
            throw new BadInputException(source + ": " + dominantModelKey(c) + " cannot fit: its "
                    + String.format(Locale.ROOT, "%,d", p) + " parameters need " + gb(bytes) + ", more than this machine's "
                    + gb(available) + " of memory");
        }
    }

    /**
     * What one micro-batch's memory scope is expected to hold. A small pass (the estimate above below {@link
     * MemoryScope#bigPassBytes}) keeps its backward in the scope: the whole estimate, which the learned scopes
     * came under by 13% and 15% (baby: 61.5 MB learned, 70.4 estimated; 6x384 at 8 sequences: 836 MB, 989). A
     * big one (its forward alone, half the estimate, well past that size) frees its backward as it goes, and
     * the scope holds the forward: half the estimate and 5% more, which the learned scopes came under by 7%
     * and 10% (GPT-2 124M at 1 sequence: 2,045 MB learned, 2,201 reserved; 6x384 at 64: 3,733 MB, 4,153).
     * Between the two the pass may go either way, and this is 0: the scope learns its size in the first step.
     *
     * @param c         the model's shape
     * @param sequences the micro-batch's sequences of {@code block_size} tokens
     * @return bytes to reserve for the step's scope, or 0 to let it learn them
     */
    public static long stepScopeBytes(ModelConfig c, int sequences) {
        if (sequences <= 0) {
            return 0;
        }
        double all = activationBytes(c, sequences), big = MemoryScope.bigPassBytes();
        if (all < big) {
            return (long) all;
        }
        return all / 2 >= 1.1 * big ? (long) (all / 2 * 1.05) : 0;
    }

    /** One micro-batch's activations and their gradients, in bytes (float32); see the class comment. */
    static double activationBytes(ModelConfig c, int batchSize) {
        double C = c.nEmbd(), T = c.blockSize(), H = hidden(c);
        double perToken = c.nLayer() * 2 * (10 * C + 2 * H + 2.0 * c.nHead() * T) + 2.0 * c.vocabSize() + 2 * C;
        return 4 * (double) batchSize * T * perToken;
    }

    /** {@return the machine's physical memory in bytes, as the JVM sees it (a container's limit included)} */
    public static long physicalMemory() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun && sun.getTotalMemorySize() > 0) {
            return sun.getTotalMemorySize();
        }
        return Long.MAX_VALUE;                               // unknown: only the tensor limit applies
    }

    /** The MLP's width in a long: mlp_ratio x n_embd may overflow the int that {@link ModelConfig#mlpWidth} is. */
    private static long hidden(ModelConfig c) {
        return c.mlpHidden() > 0 ? c.mlpHidden() : (long) c.mlpRatio() * c.nEmbd();
    }

    /** Each float32 tensor of the model within {@link #MAX_TENSOR_BYTES}, checked in long arithmetic. */
    private static void checkTensors(ModelConfig c) {
        long C = c.nEmbd();
        tensor("model.vocab_size = " + c.vocabSize(), "wte.weight", c.vocabSize(), C);
        if (c.positions() == ModelConfig.Positions.LEARNED) {
            tensor("model.block_size = " + c.blockSize(), "wpe.weight", c.blockSize(), C);
        }
        tensor("model.n_embd = " + c.nEmbd(), "attn.c_attn.weight", 3 * C, C);
        String mlpKey = c.mlpHidden() > 0 ? "model.mlp_hidden = " + c.mlpHidden()
                : "model.mlp_ratio = " + c.mlpRatio() + " with model.n_embd = " + c.nEmbd();
        tensor(mlpKey, "mlp.c_fc.weight", hidden(c), C);
    }

    private static void tensor(String key, String name, long rows, long cols) {
        long values = rows * cols;                           // both below 2^33: no overflow
        if (values * 4 > MAX_TENSOR_BYTES) {
            throw new BadInputException(key + " cannot fit: " + name + " would hold " + String.format(Locale.ROOT, "%,d", values)
                    + " values (" + gb(values * 4.0) + " in float32), over the 2 GiB that one tensor can have in Quill "
                    + "(its safetensors files move each tensor through one Java buffer)");
        }
    }

    /** The key that makes a model large: the embedding's vocabulary, or the blocks' depth and width. */
    private static String dominantModelKey(ModelConfig c) {
        double embeddings = (double) c.vocabSize() * c.nEmbd() * (c.tieEmbeddings() ? 1 : 2);
        double blocks = (double) c.nLayer() * c.nEmbd() * (4.0 * c.nEmbd() + 2.0 * hidden(c));
        return embeddings > blocks ? "model.vocab_size = " + c.vocabSize()
                : "model.n_layer = " + c.nLayer() + " with model.n_embd = " + c.nEmbd();
    }

    private static String gb(double bytes) {
        return bytes >= 1e12 ? String.format(Locale.ROOT, "%,.0f GB", bytes / 1e9)
                : String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }
}
