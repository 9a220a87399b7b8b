package dev.quill.train;

import java.nio.FloatBuffer;

/**
 * The group of processes that train one model together, and the three operations data parallelism needs
 * from it: add up a buffer across all of them (all-reduce), copy one process's buffer to all (broadcast),
 * and wait until all arrive (barrier). Every process calls the same operations in the same order with
 * buffers of the same length; an operation returns when it is done on this process.
 *
 * <p>{@link #single()} is a group of one, where every operation leaves the buffer as it is: plain training
 * uses it. {@link GlooCollective} connects processes over TCP with PyTorch's Gloo; {@code NcclCollective}
 * (built with the cuda profile) reduces GPU buffers with NCCL.
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
     * The group this process was started in: a {@link GlooCollective} when the environment names a world of
     * more than one process ({@link WorldSpec#fromEnv}), else {@link #single()}.
     *
     * @param env the environment, {@link System#getenv()}
     * @return the joined group
     * @throws dev.quill.config.BadInputException when the variables are wrong or the port is in use
     * @throws CollectiveException                 when the peers cannot be reached in time
     */
    static Collective fromEnvironment(java.util.Map<String, String> env) {
        java.util.Optional<WorldSpec> world = WorldSpec.fromEnv(env);
        if (world.isEmpty() || world.get().worldSize() == 1) {
            return single();
        }
        return GlooCollective.join(world.get());
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
