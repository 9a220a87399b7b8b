package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one place that decides whether Quill's Java kernels (loops that read and write ND4J's host buffers
 * directly) run, or the portable ND4J-op path. Java kernels need host memory, so they run only on the CPU
 * backend; {@code -Dquill.kernels=nd4j} forces the ND4J path everywhere (the GPU fallback, tested on the CPU).
 */
public final class Kernels {

    private static volatile Boolean forced;
    private static volatile Boolean vectorForced;
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
        Boolean f = vectorForced;
        boolean wanted = f != null ? f : !"off".equals(System.getProperty("quill.vector"));
        return wanted && VECTOR_MODULE && java();
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

    /** {@return true on ND4J's native CPU backend} */
    public static boolean isCpuBackend() {
        return Nd4j.getBackend().getClass().getSimpleName().startsWith("Cpu");
    }

    /**
     * @param a any array
     * @return true when {@code a}'s elements are its whole buffer, in order (what a Java kernel may loop over)
     */
    public static boolean plain(INDArray a) {
        return a.ordering() == 'c' && a.offset() == 0 && a.data().length() == a.length() && Shapes.dense(a);
    }
}
