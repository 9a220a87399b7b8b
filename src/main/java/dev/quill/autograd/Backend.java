package dev.quill.autograd;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Quill is running on: ND4J's backend, the device, and the thread settings. Threads are chosen once,
 * before the JVM starts, through environment variables (the {@code quill} launcher, Surefire and the
 * benchmarks set them): {@code OMP_NUM_THREADS}, {@code SD_MAX_THREADS}, {@code SD_MASTER_THREADS},
 * {@code OPENBLAS_NUM_THREADS} and {@code OMP_WAIT_POLICY}. ND4J reads them when its native library loads;
 * changing them later has no reliable effect, so Quill only reports them.
 */
public final class Backend {

    private static final Logger LOG = LoggerFactory.getLogger(Backend.class);
    private static final String[] THREAD_VARIABLES = {"OMP_NUM_THREADS", "SD_MAX_THREADS", "SD_MASTER_THREADS",
            "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY"};
    private static volatile boolean logged;

    private Backend() {
    }

    /**
     * {@return backend, device, BLAS vendor, ND4J threads, whether Java kernels run, the maximum heap and
     * the thread variables ("(unset)" when absent), as ordered key/value pairs}
     */
    public static Map<String, String> describe() {
        Map<String, String> out = new LinkedHashMap<>();
        var env = Nd4j.getExecutioner().getEnvironmentInformation();
        out.put("backend", Nd4j.getBackend().getClass().getSimpleName().replace("Backend", "").toUpperCase());
        out.put("device", Kernels.isCpuBackend() ? "CPU: " + Runtime.getRuntime().availableProcessors() + " cores"
                : String.valueOf(env.getOrDefault("cuda.deviceName", "GPU")));
        out.put("blas", String.valueOf(env.getOrDefault("blas.vendor", "unknown")));
        out.put("nd4j_threads", Integer.toString(Nd4j.getEnvironment().maxThreads()));
        out.put("java_kernels", Boolean.toString(Kernels.java()));
        out.put("max_heap_mb", Long.toString(Runtime.getRuntime().maxMemory() >> 20));
        for (String v : THREAD_VARIABLES) {
            String value = System.getenv(v);
            out.put(v, value == null ? "(unset)" : value);
        }
        return out;
    }

    /**
     * Checks that the device a user asked for ("cpu", "cuda"/"gpu" or "auto") is the one running, and fails with
     * one line that says what is missing otherwise: the build (the cuda profile), or the driver and runtime.
     *
     * @param wanted "cpu", "cuda", "gpu" (the same as "cuda"), or "auto" or null (anything goes)
     * @throws dev.quill.config.BadInputException when the running backend is not the one wanted, or
     *         {@code wanted} is none of the above
     */
    public static void require(String wanted) {
        if (wanted == null || wanted.equals("auto")) {
            return;
        }
        boolean cudaClasses;
        try {
            Class.forName("org.nd4j.linalg.jcublas.JCublasBackend", false, Backend.class.getClassLoader());
            cudaClasses = true;
        } catch (ClassNotFoundException e) {
            cudaClasses = false;
        }
        switch (wanted) {
            case "cpu" -> {
                if (cudaClasses && !isCpu()) {
                    throw new dev.quill.config.BadInputException("--device cpu: this build runs on the GPU backend; "
                            + "rebuild without -Pcuda (QUILL_BACKEND unset) for the CPU");
                }
            }
            case "gpu", "cuda" -> {
                if (!cudaClasses) {
                    throw new dev.quill.config.BadInputException("--device cuda: this build has no GPU backend; build it with "
                            + "'mvn -Pcuda package' (or run with QUILL_BACKEND=cuda ./quill), which needs an NVIDIA driver for CUDA 11.6");
                }
                String failure;
                try {
                    failure = isCpu() ? "ND4J loaded the CPU backend instead" : null;
                } catch (Throwable t) {
                    failure = t.getClass().getSimpleName() + ": " + String.valueOf(t.getMessage()).lines().findFirst().orElse("");
                }
                if (failure != null) {
                    throw new dev.quill.config.BadInputException("--device cuda: the CUDA backend did not start (" + failure
                            + "); it needs an NVIDIA GPU, its driver (libcuda.so.1) and the CUDA 11.6 runtime; see docs/gpu.md");
                }
            }
            default -> throw new dev.quill.config.BadInputException("--device " + wanted + ": must be cpu, cuda or auto");
        }
    }

    private static boolean isCpu() {
        return Kernels.isCpuBackend();
    }

    /** Logs {@link #describe()} once per process (at start-up of a run). */
    public static void logOnce() {
        if (!logged) {
            logged = true;
            LOG.info("backend: {}", describe());
        }
    }
}
