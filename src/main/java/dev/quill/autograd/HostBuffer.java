package dev.quill.autograd;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Element access to a plain (c-order, offset 0, whole-buffer) ND4J array from Java, for the kernels that
 * replace chains of small ND4J calls. Values are read and written as doubles whatever the storage, so one
 * kernel serves FLOAT (training) and DOUBLE (gradient checks); the arithmetic inside a kernel is double.
 * Only valid on the CPU backend: an op reads through one only when {@link Kernels#usable} said yes.
 */
abstract sealed class HostBuffer permits HostBuffer.F32, HostBuffer.F64 {

    abstract double get(int i);

    abstract void set(int i, double v);

    /** A view of {@code a}'s storage; {@code a} must be {@link Kernels#plain plain}, FLOAT or DOUBLE. */
    static HostBuffer of(INDArray a) {
        if (!Kernels.plain(a)) {
            throw new IllegalArgumentException("Java kernel needs a plain c-order array, got order " + a.ordering()
                    + " offset " + a.offset());
        }
        if (a.dataType() == DataType.FLOAT) {
            return new F32(a.data().asNioFloat());
        }
        if (a.dataType() == DataType.DOUBLE) {
            return new F64(a.data().asNioDouble());
        }
        throw new IllegalArgumentException("Java kernel needs FLOAT or DOUBLE, got " + a.dataType());
    }

    static final class F32 extends HostBuffer {
        private final FloatBuffer b;

        F32(FloatBuffer b) {
            this.b = b;
        }

        @Override
        double get(int i) {
            return b.get(i);
        }

        @Override
        void set(int i, double v) {
            b.put(i, (float) v);
        }
    }

    static final class F64 extends HostBuffer {
        private final DoubleBuffer b;

        F64(DoubleBuffer b) {
            this.b = b;
        }

        @Override
        double get(int i) {
            return b.get(i);
        }

        @Override
        void set(int i, double v) {
            b.put(i, v);
        }
    }
}
