package dev.quill.model;

import dev.quill.config.BadInputException;
import java.util.Locale;

/**
 * How the decoder holds the projection and head weights while it generates: as trained (F32), or
 * weight-only int8 with one absmax scale per output row ({@link DecoderWeights}), a quarter of the bytes
 * to read per generated token. Activations, norms, biases and the KV cache stay F32 either way.
 */
public enum WeightFormat {
    /** The model's own F32 weights. */
    F32,
    /** Int8 copies of every projection and of the head, quantized once. */
    INT8;

    /**
     * @param option the option or key the value came from, for the message
     * @param value  "f32" or "int8" (any case)
     * @return the format
     * @throws BadInputException naming the option, the value and what is allowed
     */
    public static WeightFormat parse(String option, String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "f32" -> F32;
            case "int8" -> INT8;
            default -> throw new BadInputException(option + " " + value + ": must be f32 or int8");
        };
    }
}
