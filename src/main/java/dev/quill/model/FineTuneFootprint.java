package dev.quill.model;

import dev.quill.autograd.Tensor;
import java.util.Locale;
import java.util.Map;

/**
 * What training a module costs in memory for its weights, gradients and AdamW's two moments, against full
 * fine-tuning of the same module: frozen parameters hold only their values, trainable ones also a gradient
 * and two moments.
 * <pre>
 *   this run:         total * bytes  +  trainable * 3 * bytes
 *   full fine-tuning: total * 4 * bytes
 * </pre>
 * Activations are not counted: they depend on the batch, and LoRA saves little there.
 *
 * @param totalParameters     every parameter element (a shared tensor counted once)
 * @param trainableParameters the elements of {@link Module#trainableParameters()}
 * @param bytesPerValue       bytes per element (4 for single precision)
 */
public record FineTuneFootprint(long totalParameters, long trainableParameters, int bytesPerValue) {

    /**
     * Counts a module's parameters as they are now (frozen or not).
     *
     * @param module the model, usually after {@link Lora#apply} or {@link Module#freeze()}
     * @return its footprint, with the element width of its first parameter (4 when it has none)
     */
    public static FineTuneFootprint of(Module module) {
        Map<String, Tensor> all = module.parameters();
        long total = all.values().stream().mapToLong(p -> p.value().length()).sum();
        long trainable = module.trainableParameters().values().stream().mapToLong(p -> p.value().length()).sum();
        int bytes = all.isEmpty() ? 4 : all.values().iterator().next().dataType().width();
        return new FineTuneFootprint(total, trainable, bytes);
    }

    /** {@return the bytes of weights, gradients and AdamW moments when only the trainable parameters train} */
    public long bytes() {
        return (totalParameters + 3 * trainableParameters) * bytesPerValue;
    }

    /** {@return the bytes for full fine-tuning: every parameter with a gradient and two moments} */
    public long fullFineTuneBytes() {
        return 4 * totalParameters * bytesPerValue;
    }

    /** {@return the trainable share of the parameters, in [0, 1] (0 for a module without parameters)} */
    public double trainableFraction() {
        return totalParameters == 0 ? 0 : (double) trainableParameters / totalParameters;
    }

    /**
     * {@return one line for the log, e.g. {@code trainable parameters: 16,384 of 820,480 (2.00%); weights +
     * grads + AdamW moments: 3.3 MB vs 13.1 MB for full fine-tuning}}
     */
    public String describe() {
        return String.format(Locale.ROOT, "trainable parameters: %,d of %,d (%.2f%%); weights + grads + AdamW moments: %s vs %s for full fine-tuning",
                trainableParameters, totalParameters, 100 * trainableFraction(), mb(bytes()), mb(fullFineTuneBytes()));
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }
}
