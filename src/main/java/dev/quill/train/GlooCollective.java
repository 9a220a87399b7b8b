package dev.quill.train;

import dev.quill.config.BadInputException;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.BroadcastOptions;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Collective} over TCP with PyTorch's c10d: a {@code TCPStore} on rank 0 where the processes meet
 * and swap addresses, and a {@code ProcessGroupGloo} whose all-reduce is Gloo's ring algorithm (each
 * process sends and receives 2 (N - 1) / N of the buffer). Reached through the JavaCPP presets for PyTorch
 * ({@code org.bytedeco:pytorch}), an optional dependency: the classes load only when this one is used.
 *
 * <p>Buffers go to Gloo without a copy: a direct {@link FloatBuffer} is wrapped as a CPU tensor with
 * {@code from_blob}. Every operation waits at most the world's timeout; past it, or when a peer's
 * connection breaks, it throws {@link CollectiveException}.
 */
public final class GlooCollective implements Collective {

    private static final Logger LOG = LoggerFactory.getLogger(GlooCollective.class);

    private final WorldSpec world;
    private final TCPStore store;
    private final ProcessGroupGloo group;
    private final Milliseconds timeout;

    private GlooCollective(WorldSpec world, TCPStore store, ProcessGroupGloo group) {
        this.world = world;
        this.store = store;
        this.group = group;
        this.timeout = new Milliseconds(world.timeout().toMillis());
    }

    /**
     * Joins the group: rank 0 listens on the master port, the others connect to it (retrying until the
     * timeout), then every process connects to every other.
     *
     * @param world this process's place in the run
     * @return the joined group
     * @throws BadInputException   when rank 0's port is in use, or the master cannot be reached in time
     * @throws CollectiveException when a peer does not come in time
     */
    public static GlooCollective join(WorldSpec world) {
        NativeLibraries.loadTorch();                     // unpacks libtorch on first use, one process at a time
        long ms = world.timeout().toMillis();
        TCPStore store;
        try {
            TCPStoreOptions o = new TCPStoreOptions();
            o.port((short) world.masterPort());             // a C++ uint16: ports above 32767 wrap to the same bits
            o.isServer(world.rank() == 0);
            o.waitWorkers(false);
            o.timeout(new Milliseconds(ms));
            store = new TCPStore(world.masterAddr(), o);
        } catch (RuntimeException e) {
            String m = firstLine(e);
            if (world.rank() == 0 && m.toLowerCase().contains("address already in use")) {
                throw new BadInputException("rank 0 cannot listen on " + world.masterAddr() + ":" + world.masterPort()
                        + ": the port is in use; choose another MASTER_PORT (quill launch --master-port)");
            }
            throw new BadInputException("rank " + world.rank() + " cannot reach the master " + world.masterAddr() + ":"
                    + world.masterPort() + " within " + world.timeout().toSeconds() + " s (" + m + "); check MASTER_ADDR,"
                    + " MASTER_PORT and that rank 0 is running");
        }
        try {
            ProcessGroupGloo.Options options = ProcessGroupGloo.Options.create(new Milliseconds(ms));
            String iface = System.getenv("GLOO_SOCKET_IFNAME");
            if (iface != null && !iface.isBlank()) {
                options.devices().push_back(ProcessGroupGloo.createDeviceForInterface(iface));
            } else if (world.loopback()) {
                options.devices().push_back(ProcessGroupGloo.createDeviceForHostname("127.0.0.1"));
            } else {
                options.devices().push_back(ProcessGroupGloo.createDefaultDevice());
            }
            ProcessGroupGloo group = new ProcessGroupGloo(store, world.rank(), world.worldSize(), options);
            LOG.info("rank {} of {} joined the Gloo group at {}:{}", world.rank(), world.worldSize(), world.masterAddr(),
                    world.masterPort());
            return new GlooCollective(world, store, group);
        } catch (RuntimeException e) {
            throw new CollectiveException("rank " + world.rank() + " could not connect to its " + (world.worldSize() - 1)
                    + " peers within " + world.timeout().toSeconds() + " s: " + firstLine(e));
        }
    }

    @Override
    public int rank() {
        return world.rank();
    }

    @Override
    public int worldSize() {
        return world.worldSize();
    }

    @Override
    public void allReduceSum(FloatBuffer buffer) {
        try (var t = new Wrapped(buffer)) {
            AllreduceOptions o = new AllreduceOptions();       // reduceOp defaults to SUM
            o.timeout(timeout);
            await(group.allreduce(t.vector, o), "all-reduce");
        }
    }

    @Override
    public void broadcast(FloatBuffer buffer, int root) {
        try (var t = new Wrapped(buffer)) {
            BroadcastOptions o = new BroadcastOptions();
            o.rootRank(root);
            o.timeout(timeout);
            await(group.broadcast(t.vector, o), "broadcast");
        }
    }

    @Override
    public void barrier() {
        // a one-float all-reduce: Gloo's own barrier would need a store round trip per call as well
        FloatBuffer one = java.nio.ByteBuffer.allocateDirect(4).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer();
        allReduceSum(one);
    }

    @Override
    public void close() {
        group.close();
        store.close();
    }

    private void await(Work work, String what) {
        try {
            if (!work._wait(timeout)) {
                throw new CollectiveException(what + " on rank " + world.rank() + " did not finish within "
                        + world.timeout().toSeconds() + " s: a peer died or hangs");
            }
        } catch (CollectiveException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CollectiveException(what + " on rank " + world.rank() + " of " + world.worldSize()
                    + " failed: a peer died or hangs (" + firstLine(e) + ")");
        } finally {
            work.close();
        }
    }

    private static String firstLine(RuntimeException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String line = m.lines().filter(l -> !l.isBlank()).findFirst().orElse(m).trim();
        return line.replaceFirst("^\\[[^\\]]*\\.(cc|cpp|h|hpp):\\d+\\]\\s*", "");     // Gloo's [source.cc:547] prefix
    }

    /** A direct float buffer seen as a one-dimensional CPU tensor, without copying. */
    private static final class Wrapped implements AutoCloseable {
        final FloatPointer pointer;
        final Tensor tensor;
        final TensorVector vector;

        Wrapped(FloatBuffer buffer) {
            if (!buffer.isDirect()) {
                throw new IllegalArgumentException("a collective needs a direct FloatBuffer");
            }
            FloatBuffer view = buffer.slice();
            pointer = new FloatPointer(view);
            tensor = torch.from_blob(pointer, new long[] {view.remaining()}, new TensorOptions(torch.ScalarType.Float));
            vector = new TensorVector(tensor);
        }

        @Override
        public void close() {
            vector.close();
            tensor.close();
            pointer.close();
        }
    }
}
