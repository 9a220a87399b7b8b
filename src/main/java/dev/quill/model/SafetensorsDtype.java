package dev.quill.model;

import java.util.Optional;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The safetensors element types Quill reads, with their size on disk and the ND4J type they load as.
 * F16 and BF16 are widened to FLOAT on read (exactly: every half value is a float value); Quill never
 * writes them.
 */
enum SafetensorsDtype {
    F32(4, DataType.FLOAT),
    F64(8, DataType.DOUBLE),
    I32(4, DataType.INT),
    I64(8, DataType.LONG),
    F16(2, DataType.FLOAT),
    BF16(2, DataType.FLOAT);

    /** Bytes per element in the file. */
    final int bytes;
    /** The ND4J type of the loaded array. */
    final DataType loadsAs;

    SafetensorsDtype(int bytes, DataType loadsAs) {
        this.bytes = bytes;
        this.loadsAs = loadsAs;
    }

    /** The dtype named in a header ("F32", ...), or empty for a name Quill does not read. */
    static Optional<SafetensorsDtype> parse(String name) {
        for (var d : values()) {
            if (d.name().equals(name)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** The dtype an ND4J array is written as, or empty when Quill does not write that type. */
    static Optional<SafetensorsDtype> forWriting(DataType type) {
        return switch (type) {
            case FLOAT -> Optional.of(F32);
            case DOUBLE -> Optional.of(F64);
            case INT -> Optional.of(I32);
            case LONG -> Optional.of(I64);
            default -> Optional.empty();
        };
    }

    /** True for the 16-bit float types, which are converted element by element on read. */
    boolean isHalf() {
        return this == F16 || this == BF16;
    }

    /** The f32 bit pattern of one 16-bit element of this dtype (F16 or BF16). */
    int halfToFloatBits(short raw) {
        int h = raw & 0xffff;
        return this == BF16 ? h << 16 : f16ToF32Bits(h);
    }

    /**
     * IEEE 754 binary16 -> binary32, exact. binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits.
     * Normal: (-1)^s * 2^(e-15) * 1.m, re-biased to 127 with the mantissa shifted up 13 bits.
     * Subnormal (e = 0, m != 0): (-1)^s * m * 2^-24, a normal float (the smallest is 2^-24).
     * e = 31: infinity (m = 0) or NaN: payload kept in the top mantissa bits, quiet bit set, as IEEE 754
     * conversion (and x86's vcvtph2ps, hence torch) does.
     */
    static int f16ToF32Bits(int h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return mant == 0 ? sign | 0x7f800000 : sign | 0x7fc00000 | (mant << 13);
        }
        if (exp != 0) {
            return sign | ((exp - 15 + 127) << 23) | (mant << 13);
        }
        if (mant == 0) {
            return sign; // signed zero
        }
        // m * 2^-24 is exact in float: m < 2^10 fits the 24-bit significand
        return sign | Float.floatToRawIntBits(mant * 0x1p-24f);
    }
}
