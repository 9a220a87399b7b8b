package dev.quill.autograd;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Per-thread float arrays for the Java kernels: a kernel copies a chunk of an ND4J buffer into one
 * (a bulk copy), runs a {@link FastMath} loop over it, and copies the result back. Chunks of
 * {@value #CHUNK} floats (8 KB) stay in the core's L1/L2 cache, and the arrays are made once per thread.
 */
final class Scratch {

    /** Elements per chunk. */
    static final int CHUNK = 2048;
    private static final int SLOTS = 5;
    private static final ThreadLocal<float[][]> ARRAYS = ThreadLocal.withInitial(() -> new float[SLOTS][CHUNK]);

    private Scratch() {
    }

    /** {@return this thread's scratch array number {@code slot} (0 to 4), of {@value #CHUNK} floats} */
    static float[] get(int slot) {
        return ARRAYS.get()[slot];
    }

    /** {@return a itself when it is {@link Kernels#plain plain}, else a plain copy} */
    static INDArray plain(INDArray a) {
        return Kernels.plain(a) ? a : a.dup('c');
    }

    /** The storage of a plain FLOAT array (see {@link Kernels#plain}) as an NIO buffer indexed from 0. */
    static FloatBuffer floats(INDArray a) {
        return a.data().asNioFloat();
    }
}
