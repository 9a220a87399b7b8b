package dev.quill.train;

import dev.quill.config.BadInputException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;

/**
 * The smallest possible meeting point: rank 0 hands a few bytes to every other rank over one TCP connection
 * each, then the port is free again. {@code NcclCollective} sends NCCL's 128-byte unique id this way (NCCL
 * connects the ranks itself once each has the id); it is plain {@code java.net}, so it needs neither CUDA nor
 * libtorch.
 *
 * <p>The exchange, per non-root rank: the rank connects to {@code MASTER_ADDR:MASTER_PORT} (retrying until
 * the timeout while rank 0 is not listening yet) and sends a greeting {@code "QRDV", rank, worldSize,
 * length}; rank 0 checks it (a known rank, not seen before, the same world size and length) and answers with
 * the bytes, or with a length of -1 and the reason. Rank 0 returns once every rank has been served.
 */
public final class TcpRendezvous {

    private static final int MAGIC = 0x51524456;       // "QRDV"

    private TcpRendezvous() {
    }

    /**
     * Gives rank 0's bytes to every rank of the world.
     *
     * @param world this process's place in the run
     * @param bytes the bytes to share on rank 0; ignored (may be null) on the other ranks
     * @param length how many bytes are shared: the same on every rank
     * @return rank 0's bytes, on every rank
     * @throws BadInputException   when rank 0 cannot listen on the port or the master cannot be reached in time
     * @throws CollectiveException when a rank does not come in time or the ranks disagree
     */
    public static byte[] shareFromRoot(WorldSpec world, byte[] bytes, int length) {
        if (world.worldSize() == 1) {
            return Arrays.copyOf(bytes, length);
        }
        long deadline = System.nanoTime() + world.timeout().toNanos();
        try {
            return world.rank() == 0 ? serve(world, bytes, length, deadline) : fetch(world, length, deadline);
        } catch (SocketTimeoutException e) {
            throw new CollectiveException("rank " + world.rank() + " waited " + world.timeout().toSeconds()
                    + " s at the rendezvous on " + world.masterAddr() + ":" + world.masterPort() + ": "
                    + (world.rank() == 0 ? "a rank did not come" : "rank 0 did not answer"));
        } catch (IOException e) {
            throw new CollectiveException("rank " + world.rank() + ": the rendezvous on " + world.masterAddr() + ":"
                    + world.masterPort() + " failed (" + e.getMessage() + ")");
        }
    }

    private static byte[] serve(WorldSpec world, byte[] bytes, int length, long deadline) throws IOException {
        if (bytes == null || bytes.length != length) {
            throw new IllegalArgumentException("rank 0 must share " + length + " bytes");
        }
        ServerSocket server = new ServerSocket();
        try (server) {
            server.setReuseAddress(true);
            try {
                server.bind(new InetSocketAddress(world.masterPort()));
            } catch (BindException e) {
                throw new BadInputException("rank 0 cannot listen on port " + world.masterPort()
                        + ": the port is in use; choose another MASTER_PORT (quill launch --master-port)");
            }
            boolean[] served = new boolean[world.worldSize()];
            served[0] = true;
            for (int left = world.worldSize() - 1; left > 0; ) {
                server.setSoTimeout(remainingMs(deadline));
                try (Socket s = server.accept()) {
                    if (serveOne(s, world, bytes, served, deadline)) {
                        left--;
                    }
                }
            }
        }
        return bytes.clone();
    }

    /** Answers one connection; whether it was a rank served (false for a stray connection, which is ignored). */
    private static boolean serveOne(Socket s, WorldSpec world, byte[] bytes, boolean[] served, long deadline)
            throws SocketTimeoutException {
        try {
            s.setSoTimeout(Math.min(remainingMs(deadline), 5000));  // a silent stray connection holds rank 0 up 5 s at most
            var in = new DataInputStream(s.getInputStream());
            var out = new DataOutputStream(s.getOutputStream());
            int[] rank = {-1};
            String refusal = check(in, world, bytes.length, served, rank);
            if (refusal == null) {
                out.writeInt(bytes.length);
                out.write(bytes);
                out.flush();
                served[rank[0]] = true;
                return true;
            }
            out.writeInt(-1);
            out.writeUTF(refusal);
            out.flush();
            if (refusal.startsWith("not a Quill")) {
                return false;
            }
            throw new CollectiveException("rank 0 refused a peer at the rendezvous: " + refusal);
        } catch (SocketTimeoutException e) {
            remainingMs(deadline);                          // past the deadline: rank 0 gives up
            return false;
        } catch (IOException e) {
            return false;                                  // a connection that broke: a rank that comes again is served
        }
    }

    /** Reads a greeting; null when it is a rank still to serve (put in {@code rank[0]}), else the reason. */
    private static String check(DataInputStream in, WorldSpec world, int length, boolean[] served, int[] rank)
            throws IOException {
        int magic, r, size, len;
        try {
            magic = in.readInt();
            if (magic != MAGIC) {
                return "not a Quill rendezvous greeting";
            }
            r = in.readInt();
            size = in.readInt();
            len = in.readInt();
        } catch (EOFException e) {
            return "not a Quill rendezvous greeting (closed early)";
        }
        if (size != world.worldSize()) {
            return "rank " + r + " has WORLD_SIZE = " + size + ", rank 0 has " + world.worldSize();
        }
        if (len != length) {
            return "rank " + r + " expects " + len + " bytes, rank 0 shares " + length + " (different Quill builds?)";
        }
        if (r < 1 || r >= size) {
            return "RANK = " + r + " is not a rank that rank 0 serves (1 to " + (size - 1) + ")";
        }
        if (served[r]) {
            return "two processes claim RANK = " + r;
        }
        rank[0] = r;
        return null;
    }

    private static byte[] fetch(WorldSpec world, int length, long deadline) throws IOException {
        while (true) {
            if (System.nanoTime() > deadline) {
                throw new BadInputException("rank " + world.rank() + " cannot reach the master " + world.masterAddr()
                        + ":" + world.masterPort() + " within " + world.timeout().toSeconds()
                        + " s; check MASTER_ADDR, MASTER_PORT and that rank 0 is running");
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(world.masterAddr(), world.masterPort()), remainingMs(deadline));
                s.setSoTimeout(remainingMs(deadline));
                var out = new DataOutputStream(s.getOutputStream());
                out.writeInt(MAGIC);
                out.writeInt(world.rank());
                out.writeInt(world.worldSize());
                out.writeInt(length);
                out.flush();
                var in = new DataInputStream(s.getInputStream());
                int n = in.readInt();
                if (n < 0) {
                    throw new CollectiveException("rank 0 refused rank " + world.rank() + " at the rendezvous: " + in.readUTF());
                }
                byte[] got = new byte[n];
                in.readFully(got);
                return got;
            } catch (ConnectException notYet) {                // rank 0 is not listening yet
                sleep(100);
            }
        }
    }

    private static int remainingMs(long deadline) throws SocketTimeoutException {
        long ms = (deadline - System.nanoTime()) / 1_000_000;
        if (ms <= 0) {
            throw new SocketTimeoutException("timeout");
        }
        return (int) Math.min(ms, Integer.MAX_VALUE);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("interrupted at the rendezvous");
        }
    }
}
