package dev.quill.train;

import dev.quill.config.BadInputException;
import java.util.Locale;
import java.util.Map;

/**
 * Which engine a worker's {@link Collective} uses. By default it follows ND4J's backend: Gloo over TCP for the
 * CPU backend, NCCL for the CUDA backend (the gradients stay on the GPU). {@code QUILL_COLLECTIVE=gloo} or
 * {@code nccl} overrides the choice, e.g. Gloo on GPU workers (the buffer then travels through host memory).
 */
public enum CollectiveKind {
    /** PyTorch's c10d Gloo over TCP: {@link GlooCollective}. */
    GLOO,
    /** NVIDIA's NCCL between GPUs: {@code NcclCollective}, in a build with the cuda profile only. */
    NCCL;

    /** The environment variable that overrides the choice. */
    public static final String VARIABLE = "QUILL_COLLECTIVE";

    /**
     * The engine for this process.
     *
     * @param env the environment, {@link System#getenv()}
     * @param gpu whether ND4J runs on its CUDA backend
     * @return {@code QUILL_COLLECTIVE} when set (gloo, nccl or auto), else NCCL on the GPU and Gloo on the CPU
     * @throws BadInputException when {@code QUILL_COLLECTIVE} names no engine, or nccl on the CPU backend
     */
    public static CollectiveKind choose(Map<String, String> env, boolean gpu) {
        String v = env.getOrDefault(VARIABLE, "auto").trim().toLowerCase(Locale.ROOT);
        CollectiveKind kind = switch (v) {
            case "", "auto" -> gpu ? NCCL : GLOO;
            case "gloo" -> GLOO;
            case "nccl" -> NCCL;
            default -> throw new BadInputException(VARIABLE + " = '" + env.get(VARIABLE) + "' is not an engine; use gloo, nccl or auto");
        };
        if (kind == NCCL && !gpu) {
            throw new BadInputException(VARIABLE + " = nccl needs ND4J's CUDA backend (a build with -Pcuda on a GPU machine);"
                    + " this process runs on the CPU backend: use gloo");
        }
        return kind;
    }
}
