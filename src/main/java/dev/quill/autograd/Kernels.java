package dev.quill.autograd;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one place that decides whether an op runs its plain path (ND4J ops, written beside the math in the
 * op's own file) or its fast CPU kernel (Java loops that read and write ND4J's host buffers directly, in a
 * {@code *Kernel} class beside the op: {@code GeluKernel}, {@code LayerNormKernel}, {@code RmsNormKernel},
 * {@code CrossEntropyKernel}, {@code AttentionKernel}, {@code AddKernel}, and {@code VectorAttention} with the
 * Vector API). An op asks {@link #usable} once, in its forward, and remembers the answer for its backward
 * (sums, whose two paths agree within rounding whatever the forward took, ask where they run).
 *
 * <p>Java kernels need host memory, so they run only on the CPU backend; {@code -Dquill.kernels=nd4j} forces
 * the plain path everywhere (the GPU fallback, tested on the CPU). Cutting work over Quill's threads is
 * {@link Parallel}'s setting, not this one's: on one thread, or off the CPU, every piece is the whole.
 */
public final class Kernels {

    private static volatile Boolean forced;
    private static volatile Boolean vectorForced;
    private static volatile Boolean cpuBackend;
    // the incubator module of the JDK's Vector API, present when the JVM was started with
    // --add-modules jdk.incubator.vector (the quill launcher does; a library user may)
    private static final boolean VECTOR_MODULE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private Kernels() {
    }

    /** {@return true when Java kernels may run on this backend and have not been switched off} */
    public static boolean java() {
        Boolean f = forced;
        if (f != null) {
            return f;
        }
        return !"nd4j".equals(System.getProperty("quill.kernels")) && isCpuBackend();
    }

    /**
     * Overrides the choice for the whole process (tests use it to run both paths).
     *
     * @param useJava true for the Java kernels, false for the ND4J path, null to restore the default
     */
    public static void force(Boolean useJava) {
        forced = useJava;
    }

    /**
     * {@return true when the kernels written with the JDK's Vector API may run}: Java kernels run (see
     * {@link #java}), the JVM has the module {@code jdk.incubator.vector} (started with
     * {@code --add-modules jdk.incubator.vector}), and {@code -Dquill.vector=off} has not switched them off.
     * Without it the same ops run as plain Java loops or ND4J calls.
     */
    public static boolean vector() {
        return vectorRequested() && java();
    }

    /**
     * {@return true when the Vector API kernels would run on the CPU backend}: {@link #vector} without asking
     * which backend ND4J has (which loads it), for work that starts before ND4J loads ({@link Warmup}).
     */
    static boolean vectorRequested() {
        Boolean f = vectorForced, j = forced;
        boolean wanted = f != null ? f : !"off".equals(System.getProperty("quill.vector"));
        boolean javaKernels = j != null ? j : !"nd4j".equals(System.getProperty("quill.kernels"));
        return wanted && javaKernels && VECTOR_MODULE;
    }

    /**
     * Overrides {@link #vector}'s choice for the whole process (tests use it to run both paths); true still
     * needs the module.
     *
     * @param useVector true for the Vector API kernels, false without them, null to restore the default
     */
    public static void forceVector(Boolean useVector) {
        vectorForced = useVector;
    }

    // NIO buffers are indexed by int over at most 2^31 - 1 bytes: past this many elements, ND4J's ops run
    private static final long MAX_ELEMENTS = Integer.MAX_VALUE / Double.BYTES;

    /**
     * The switch an op asks before it runs its kernel: true when Java kernels run (see {@link #java}) and every
     * array given is {@link #plain plain}, FLOAT or DOUBLE, all of one type, and not too long for an NIO buffer.
     *
     * @param arrays the op's inputs (null entries, an absent bias, are skipped); the first is not null
     * @return true when the op's fast kernel may run on them
     */
    static boolean usable(INDArray... arrays) {
        if (!java()) {
            return false;
        }
        DataType t = arrays[0].dataType();
        for (INDArray a : arrays) {
            if (a == null) {
                continue;
            }
            if (a.length() > MAX_ELEMENTS || !plain(a) || a.dataType() != t
                    || (t != DataType.FLOAT && t != DataType.DOUBLE)) {
                return false;
            }
        }
        return true;
    }

    /** {@return true on ND4J's native CPU backend} */
    public static boolean isCpuBackend() {
        Boolean cpu = cpuBackend;
        if (cpu == null) { // asked before every kernel; the backend is fixed once ND4J has loaded
            cpu = Nd4j.getBackend().getClass().getSimpleName().startsWith("Cpu");
            cpuBackend = cpu;
        }
        return cpu;
    }

    /**
     * @param a any array
     * @return true when {@code a}'s elements are its whole buffer, in order (what a Java kernel may loop over)
     */
    public static boolean plain(INDArray a) {
        return a.ordering() == 'c' && a.offset() == 0 && a.data().length() == a.length() && Shapes.dense(a);
    }
}
