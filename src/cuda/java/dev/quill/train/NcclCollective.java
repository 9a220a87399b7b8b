package dev.quill.train;

import java.nio.FloatBuffer;
import java.util.concurrent.locks.LockSupport;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nccl;
import org.bytedeco.cuda.nccl.ncclComm;
import org.bytedeco.cuda.nccl.ncclUniqueId;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.jita.allocator.impl.AtomicAllocator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.jcublas.context.CudaContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Collective} between GPUs with NVIDIA's NCCL (2.11, from the JavaCPP presets
 * {@code org.bytedeco:cuda} 11.6-8.3-1.5.7), one GPU per process. Compiled only with the cuda profile
 * ({@code mvn -Pcuda}); {@link Collective#fromEnvironment} picks it when ND4J runs on its CUDA backend.
 *
 * <p>Joining: rank 0 asks NCCL for a unique id (128 bytes), {@link TcpRendezvous} hands it to the other ranks
 * over {@code MASTER_ADDR:MASTER_PORT}, and every rank calls {@code ncclCommInitRank}, after which NCCL connects
 * the GPUs itself (NVLink, PCIe or the network). The gradient buffer is reduced where ND4J keeps it: the
 * array's device pointer, on ND4J's own CUDA stream, so the all-reduce runs after the kernels that wrote the
 * gradients and nothing crosses to the host. The few host buffers (evaluation sums, the start-up fingerprint,
 * the barrier) go through a temporary device buffer.
 *
 * <p>Every operation is polled until it finishes, at most the world's timeout; past it, or on an error NCCL
 * reports from a peer, the communicator is aborted and a {@link CollectiveException} thrown. NCCL 2.11's
 * {@code ncclCommInitRank} itself has no timeout; the rendezvous before it has, so a rank that never starts is
 * caught there.
 */
public final class NcclCollective implements Collective {

    private static final Logger LOG = LoggerFactory.getLogger(NcclCollective.class);

    /** NCCL_UNIQUE_ID_BYTES. */
    static final int ID_BYTES = 128;

    private final WorldSpec world;
    private final int device;
    private final ncclComm comm;
    private final CUstream_st stream;          // for the host buffers; the gradients use ND4J's stream
    private boolean aborted;

    private NcclCollective(WorldSpec world, int device, ncclComm comm, CUstream_st stream) {
        this.world = world;
        this.device = device;
        this.comm = comm;
        this.stream = stream;
    }

    /**
     * Joins the group on the GPU ND4J uses in this process.
     *
     * @param world this process's place in the run
     * @return the joined group
     * @throws dev.quill.config.BadInputException when rank 0's port is in use or the master cannot be reached
     * @throws CollectiveException                 when NCCL fails or a rank does not come in time
     */
    public static NcclCollective join(WorldSpec world) {
        NativeLibraries.underCacheLock(() -> {            // the CUDA libraries unpack on first use, one process at a time
            Loader.load(cudart.class);
            return Loader.load(nccl.class);
        });
        int device = Nd4j.getAffinityManager().getDeviceForCurrentThread();
        int visible = Nd4j.getAffinityManager().getNumberOfDevices();
        if (visible > 1) {
            LOG.warn("rank {} sees {} GPUs and uses GPU {}; give each worker its own GPU (CUDA_VISIBLE_DEVICES, which quill"
                    + " launch sets per worker)", world.rank(), visible, device);
        }
        checkCuda(cudart.cudaSetDevice(device), "cudaSetDevice(" + device + ")", world);
        ncclUniqueId id = new ncclUniqueId();
        byte[] mine = null;
        if (world.rank() == 0) {
            checkNccl(nccl.ncclGetUniqueId(id), "ncclGetUniqueId", world);
            mine = new byte[ID_BYTES];
            id.internal().get(mine);
        }
        byte[] shared = TcpRendezvous.shareFromRoot(world, mine, ID_BYTES);
        id.internal().put(shared);
        ncclComm comm = new ncclComm();
        checkNccl(nccl.ncclCommInitRank(comm, world.worldSize(), id, world.rank()), "ncclCommInitRank", world);
        CUstream_st stream = new CUstream_st();
        checkCuda(cudart.cudaStreamCreate(stream), "cudaStreamCreate", world);
        LOG.info("rank {} of {} joined the NCCL group on GPU {}", world.rank(), world.worldSize(), device);
        return new NcclCollective(world, device, comm, stream);
    }

    @Override
    public int rank() {
        return world.rank();
    }

    @Override
    public int worldSize() {
        return world.worldSize();
    }

    /** Sums the array's device copy in place, on ND4J's stream: no copy to or from the host. */
    @Override
    public void allReduceSum(INDArray flat) {
        Collective.requireFlatFloats(flat);
        checkCuda(cudart.cudaSetDevice(device), "cudaSetDevice", world);
        AtomicAllocator alloc = AtomicAllocator.getInstance();
        CudaContext ctx = alloc.getDeviceContext();
        Pointer p = alloc.getPointer(flat, ctx);           // the device copy, brought up to date if the host's was newer
        CUstream_st nd4jStream = new CUstream_st(ctx.getOldStream());
        checkNccl(nccl.ncclAllReduce(p, p, flat.length(), nccl.ncclFloat, nccl.ncclSum, comm, nd4jStream), "all-reduce", world);
        await(nd4jStream, "all-reduce");
        alloc.tickDeviceWrite(flat);                        // the device copy is the new one
    }

    @Override
    public void allReduceSum(FloatBuffer buffer) {
        onDevice(buffer, (d, n) -> nccl.ncclAllReduce(d, d, n, nccl.ncclFloat, nccl.ncclSum, comm, stream), "all-reduce");
    }

    @Override
    public void broadcast(FloatBuffer buffer, int root) {
        onDevice(buffer, (d, n) -> nccl.ncclBroadcast(d, d, n, nccl.ncclFloat, root, comm, stream), "broadcast");
    }

    @Override
    public void barrier() {
        allReduceSum(java.nio.ByteBuffer.allocateDirect(4).order(java.nio.ByteOrder.nativeOrder()).asFloatBuffer());
    }

    @Override
    public void close() {
        if (!aborted) {
            nccl.ncclCommDestroy(comm);
        }
        cudart.cudaStreamDestroy(stream);
    }

    /** An NCCL call on a device buffer of {@code n} floats. */
    private interface DeviceOp {
        int run(Pointer device, long n);
    }

    /** Copies a direct host buffer to a temporary device buffer, runs {@code op} on it, and copies it back. */
    private void onDevice(FloatBuffer buffer, DeviceOp op, String what) {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("a collective needs a direct FloatBuffer");
        }
        checkCuda(cudart.cudaSetDevice(device), "cudaSetDevice", world);
        FloatBuffer view = buffer.slice();
        long n = view.remaining(), bytes = 4 * n;
        try (FloatPointer host = new FloatPointer(view)) {
            Pointer dev = new Pointer();
            checkCuda(cudart.cudaMalloc(dev, bytes), "cudaMalloc", world);
            try {
                checkCuda(cudart.cudaMemcpy(dev, host, bytes, cudart.cudaMemcpyHostToDevice), "cudaMemcpy", world);
                checkNccl(op.run(dev, n), what, world);
                await(stream, what);
                checkCuda(cudart.cudaMemcpy(host, dev, bytes, cudart.cudaMemcpyDeviceToHost), "cudaMemcpy", world);
            } finally {
                cudart.cudaFree(dev);
            }
        }
    }

    /** Polls the stream until the queued NCCL call is done, a peer reports an error, or the timeout passes. */
    private void await(CUstream_st s, String what) {
        long deadline = System.nanoTime() + world.timeout().toNanos();
        int[] async = new int[1];
        while (true) {
            int q = cudart.cudaStreamQuery(s);
            if (q == cudart.cudaSuccess) {
                return;
            }
            if (q != cudart.cudaErrorNotReady) {
                abort();
                throw new CollectiveException(what + " on rank " + world.rank() + " failed: " + cudart.cudaGetErrorString(q).getString());
            }
            nccl.ncclCommGetAsyncError(comm, async);
            if (async[0] != nccl.ncclSuccess) {
                abort();
                throw new CollectiveException(what + " on rank " + world.rank() + " of " + world.worldSize()
                        + " failed: a peer died or hangs (" + nccl.ncclGetErrorString(async[0]).getString() + ")");
            }
            if (System.nanoTime() > deadline) {
                abort();
                throw new CollectiveException(what + " on rank " + world.rank() + " did not finish within "
                        + world.timeout().toSeconds() + " s: a peer died or hangs");
            }
            LockSupport.parkNanos(20_000);
        }
    }

    private void abort() {
        if (!aborted) {
            aborted = true;
            nccl.ncclCommAbort(comm);
        }
    }

    private static void checkNccl(int result, String what, WorldSpec world) {
        if (result != nccl.ncclSuccess) {
            throw new CollectiveException("rank " + world.rank() + ": NCCL " + what + " failed: "
                    + nccl.ncclGetErrorString(result).getString());
        }
    }

    private static void checkCuda(int result, String what, WorldSpec world) {
        if (result != cudart.cudaSuccess) {
            throw new CollectiveException("rank " + world.rank() + ": " + what + " failed: "
                    + cudart.cudaGetErrorString(result).getString());
        }
    }
}
