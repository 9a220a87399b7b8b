package dev.quill.train;

import dev.quill.config.BadInputException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Where this process stands in a distributed run, read from the environment the way torchrun sets it:
 * {@code RANK}, {@code WORLD_SIZE}, {@code MASTER_ADDR}, {@code MASTER_PORT} ({@code quill launch} sets
 * the same). Other process starters are understood too: Slurm ({@code SLURM_PROCID}, {@code SLURM_NTASKS})
 * and Open MPI's mpirun ({@code OMPI_COMM_WORLD_RANK}, {@code OMPI_COMM_WORLD_SIZE}), with
 * {@code MASTER_ADDR} and {@code MASTER_PORT} set by the job script.
 *
 * @param rank       this process, 0 to worldSize - 1; rank 0 also serves the rendezvous store
 * @param worldSize  the number of processes
 * @param masterAddr the host of rank 0, which every process connects to
 * @param masterPort the TCP port rank 0 listens on
 * @param timeout    how long a collective operation (and the start-up) may wait for a peer
 */
public record WorldSpec(int rank, int worldSize, String masterAddr, int masterPort, Duration timeout) {

    /** The default collective timeout: a peer silent this long is taken for dead. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /**
     * Checks the values, in one line each.
     *
     * @param rank       0 to worldSize - 1
     * @param worldSize  at least 1
     * @param masterAddr not empty
     * @param masterPort 1 to 65535 when worldSize is above 1
     * @param timeout    positive
     * @throws BadInputException for a world size below 1, a rank out of range, a port out of range, an empty
     *                           address or a timeout that is not positive
     */
    public WorldSpec {
        if (worldSize < 1) {
            throw new BadInputException("WORLD_SIZE = " + worldSize + ": the number of processes must be at least 1");
        }
        if (rank < 0 || rank >= worldSize) {
            throw new BadInputException("RANK = " + rank + " is out of range for WORLD_SIZE = " + worldSize + " (0 to " + (worldSize - 1) + ")");
        }
        if (worldSize > 1 && (masterPort < 1 || masterPort > 65535)) {
            throw new BadInputException("MASTER_PORT = " + masterPort + " must be a TCP port, 1 to 65535");
        }
        if (masterAddr == null || masterAddr.isBlank()) {
            throw new BadInputException("MASTER_ADDR is empty: set it to the host of rank 0");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new BadInputException("QUILL_COLLECTIVE_TIMEOUT = " + timeout.toSeconds() + " s must be positive");
        }
    }

    /**
     * The world described by an environment, if it describes one.
     *
     * @param env the environment ({@link System#getenv()})
     * @return empty when no rank variable is set (a plain, single-process run)
     * @throws BadInputException when a variable is not a number or the values do not fit together
     */
    public static Optional<WorldSpec> fromEnv(Map<String, String> env) {
        String rankVar = first(env, "RANK", "SLURM_PROCID", "OMPI_COMM_WORLD_RANK");
        if (rankVar == null) {
            return Optional.empty();
        }
        String sizeVar = switch (rankVar) {
            case "RANK" -> "WORLD_SIZE";
            case "SLURM_PROCID" -> "SLURM_NTASKS";
            default -> "OMPI_COMM_WORLD_SIZE";
        };
        if (!env.containsKey(sizeVar)) {
            throw new BadInputException(rankVar + " is set but " + sizeVar + " is not; set both");
        }
        int rank = integer(env, rankVar);
        int world = integer(env, sizeVar);
        String addr = env.getOrDefault("MASTER_ADDR", "127.0.0.1");
        int port = env.containsKey("MASTER_PORT") ? integer(env, "MASTER_PORT") : 29500;
        Duration timeout = env.containsKey("QUILL_COLLECTIVE_TIMEOUT")
                ? Duration.ofSeconds(integer(env, "QUILL_COLLECTIVE_TIMEOUT")) : DEFAULT_TIMEOUT;
        return Optional.of(new WorldSpec(rank, world, addr, port, timeout));
    }

    /** {@return whether rank 0 is on this machine's loopback (127.0.0.0/8 or localhost)} */
    public boolean loopback() {
        return masterAddr.startsWith("127.") || masterAddr.equals("localhost") || masterAddr.equals("::1");
    }

    private static String first(Map<String, String> env, String... names) {
        for (String n : names) {
            if (env.containsKey(n)) {
                return n;
            }
        }
        return null;
    }

    private static int integer(Map<String, String> env, String name) {
        String v = env.get(name).trim();
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new BadInputException(name + " = '" + v + "' is not a whole number");
        }
    }
}
