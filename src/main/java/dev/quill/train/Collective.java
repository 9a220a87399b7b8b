package dev.quill.train;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The group of processes that train one model together, and the three operations data parallelism needs
 * from it: add up a buffer across all of them (all-reduce), copy one process's buffer to all (broadcast),
 * and wait until all arrive (barrier). Every process calls the same operations in the same order with
 * buffers of the same length; an operation returns when it is done on this process.
 *
 * <p>{@link #single()} is a group of one, where every operation leaves the buffer as it is: plain training
 * uses it. {@link GlooCollective} connects processes over TCP with PyTorch's Gloo; {@code NcclCollective}
 * (compiled with the cuda profile only, from {@code src/cuda/java}) reduces GPU buffers with NCCL.
 *
 * <p>A peer that died or hangs makes an operation throw a {@link CollectiveException} after the group's
 * timeout, rather than wait for ever.
 */
public interface Collective extends AutoCloseable {

    /** {@return this process's rank, 0 to worldSize - 1; rank 0 writes the run's files} */
    int rank();

    /** {@return the number of processes in the group, at least 1} */
    int worldSize();

    /**
     * Replaces every element by its sum over all processes: afterwards each process holds the same sums.
     *
     * @param buffer a direct float buffer, from its position to its limit; the same length on every process
     * @throws CollectiveException when a peer fails or the timeout passes
     */
    void allReduceSum(FloatBuffer buffer);

    /**
     * Replaces every element of a contiguous FLOAT array by its sum over all processes, wherever ND4J keeps it.
     * This default brings the array to host memory and reduces it there ({@link #allReduceSum(FloatBuffer)});
     * {@code NcclCollective} reduces it on the GPU in place.
     *
     * @param flat a FLOAT vector, contiguous; the same length on every process
     * @throws CollectiveException when a peer fails or the timeout passes
     */
    default void allReduceSum(INDArray flat) {
        requireFlatFloats(flat);
        AffinityManager where = Nd4j.getAffinityManager();
        where.ensureLocation(flat, AffinityManager.Location.HOST);     // a no-op on the CPU backend
        long n = flat.length();
        BytePointer bytes = new BytePointer(flat.data().addressPointer());
        bytes.position(4 * flat.offset()).limit(4 * (flat.offset() + n));
        allReduceSum(bytes.asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer());
        where.tagLocation(flat, AffinityManager.Location.HOST);        // the host copy is the new one
    }

    /**
     * Checks what {@link #allReduceSum(INDArray)} takes, in every engine.
     *
     * @param flat the array to reduce
     * @throws IllegalArgumentException unless it is a contiguous FLOAT vector
     */
    static void requireFlatFloats(INDArray flat) {
        if (flat.dataType() != DataType.FLOAT || !flat.isVector() || flat.elementWiseStride() != 1) {
            throw new IllegalArgumentException("a collective needs a contiguous FLOAT vector, not " + flat.shapeInfoToString());
        }
    }

    /**
     * Copies the root's buffer into every other process's.
     *
     * @param buffer a direct float buffer, from its position to its limit; the same length on every process
     * @param root   the rank whose values everyone receives
     * @throws CollectiveException when a peer fails or the timeout passes
     */
    void broadcast(FloatBuffer buffer, int root);

    /**
     * Returns when every process has called it.
     *
     * @throws CollectiveException when a peer fails or the timeout passes
     */
    void barrier();

    /** Leaves the group and frees its connections. */
    @Override
    void close();

    /**
     * The group this process was started in: {@link #single()} unless the environment names a world of more
     * than one process ({@link WorldSpec#fromEnv}); then a {@link GlooCollective} or an {@code NcclCollective},
     * as {@link CollectiveKind#choose} picks from ND4J's backend and {@code QUILL_COLLECTIVE}. ND4J's backend
     * and the engine's libraries are loaded under {@link NativeLibraries#underCacheLock}, so workers that start
     * together on an empty JavaCPP cache do not unpack into it at once.
     *
     * @param env the environment, {@link System#getenv()}
     * @return the joined group
     * @throws dev.quill.config.BadInputException when the variables are wrong, the port is in use, or the
     *                                             engine is not in this build
     * @throws CollectiveException                 when the peers cannot be reached in time
     */
    static Collective fromEnvironment(Map<String, String> env) {
        Optional<WorldSpec> world = WorldSpec.fromEnv(env);
        if (world.isEmpty() || world.get().worldSize() == 1) {
            return single();
        }
        boolean gpu = NativeLibraries.underCacheLock(() -> {
            boolean onGpu = !Nd4j.getEnvironment().isCPU();
            if (!onGpu) {
                NativeLibraries.loadOpenBlas();                  // products call it directly (autograd's CpuBlas)
            }
            return onGpu;
        });
        return switch (CollectiveKind.choose(env, gpu)) {
            case GLOO -> GlooCollective.join(world.get());
            case NCCL -> joinNccl(world.get());
        };
    }

    /** NcclCollective.join, found by name: the class is compiled only with the cuda profile. */
    private static Collective joinNccl(WorldSpec world) {
        Class<?> nccl;
        try {
            nccl = Class.forName("dev.quill.train.NcclCollective");
        } catch (ClassNotFoundException e) {
            throw new dev.quill.config.BadInputException("NCCL is not in this Quill build (it is compiled with mvn -Pcuda);"
                    + " set QUILL_COLLECTIVE=gloo to reduce through host memory");
        }
        try {
            return (Collective) nccl.getMethod("join", WorldSpec.class).invoke(null, world);
        } catch (java.lang.reflect.InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new CollectiveException("rank " + world.rank() + " could not join the NCCL group: " + e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("NcclCollective has no join(WorldSpec)", e);
        }
    }

    /** {@return a group of one process: rank 0 of 1, every operation a no-op} */
    static Collective single() {
        return SingleProcess.INSTANCE;
    }

    /** The group of one. */
    final class SingleProcess implements Collective {
        static final SingleProcess INSTANCE = new SingleProcess();

        private SingleProcess() {
        }

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int worldSize() {
            return 1;
        }

        @Override
        public void allReduceSum(FloatBuffer buffer) {
            // the sum over one process is its own buffer
        }

        @Override
        public void broadcast(FloatBuffer buffer, int root) {
            if (root != 0) {
                throw new IllegalArgumentException("broadcast root " + root + " in a group of 1");
            }
        }

        @Override
        public void barrier() {
        }

        @Override
        public void close() {
        }
    }
}
