package dev.quill.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quill.config.BadInputException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Rank 0's bytes reach every rank over loopback; wrong peers and missing peers fail in bounded time. */
class TcpRendezvousTest {

    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void everyRankGetsRankZerosBytesEvenWhenItComesFirst() throws Exception {
        int port = freePort();
        byte[] id = new byte[128];
        new Random(7).nextBytes(id);
        List<Future<byte[]>> peers = new ArrayList<>();
        for (int r = 1; r < 4; r++) {                       // the peers start before rank 0 listens: they retry
            WorldSpec w = world(r, 4, port, 10);
            peers.add(pool.submit(() -> TcpRendezvous.shareFromRoot(w, null, 128)));
        }
        Thread.sleep(300);
        byte[] root = TcpRendezvous.shareFromRoot(world(0, 4, port, 10), id.clone(), 128);

        assertThat(root).isEqualTo(id);
        for (Future<byte[]> p : peers) {
            assertThat(p.get(10, TimeUnit.SECONDS)).isEqualTo(id);
        }
        try (ServerSocket again = new ServerSocket(port)) {  // the port is free afterwards
            assertThat(again.getLocalPort()).isEqualTo(port);
        }
    }

    @Test
    void aStrayConnectionIsIgnored() throws Exception {
        int port = freePort();
        byte[] id = {1, 2, 3};
        Future<byte[]> root = pool.submit(() -> TcpRendezvous.shareFromRoot(world(0, 2, port, 10), id, 3));
        Thread.sleep(300);
        try (Socket s = new Socket("127.0.0.1", port)) {      // e.g. a port scanner: says nothing and leaves
            s.getOutputStream().write("GET /\r\n".getBytes());
        }
        assertThat(TcpRendezvous.shareFromRoot(world(1, 2, port, 10), null, 3)).containsExactly(1, 2, 3);
        assertThat(root.get(10, TimeUnit.SECONDS)).containsExactly(1, 2, 3);
    }

    @Test
    void twoProcessesClaimingOneRankAreRefused() throws Exception {
        int port = freePort();
        Future<byte[]> root = pool.submit(() -> TcpRendezvous.shareFromRoot(world(0, 3, port, 10), new byte[8], 8));
        Thread.sleep(200);
        TcpRendezvous.shareFromRoot(world(1, 3, port, 10), null, 8);
        assertThatThrownBy(() -> TcpRendezvous.shareFromRoot(world(1, 3, port, 10), null, 8))
                .isInstanceOf(CollectiveException.class).hasMessageContaining("two processes claim RANK = 1");
        assertThatThrownBy(() -> root.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(CollectiveException.class).hasMessageContaining("two processes claim RANK = 1");
    }

    @Test
    void aDifferentWorldSizeIsRefused() throws Exception {
        int port = freePort();
        Future<byte[]> root = pool.submit(() -> TcpRendezvous.shareFromRoot(world(0, 2, port, 10), new byte[8], 8));
        Thread.sleep(200);
        assertThatThrownBy(() -> TcpRendezvous.shareFromRoot(world(1, 3, port, 10), null, 8))
                .isInstanceOf(CollectiveException.class).hasMessageContaining("rank 1 has WORLD_SIZE = 3, rank 0 has 2");
        assertThatThrownBy(() -> root.get(10, TimeUnit.SECONDS)).cause().isInstanceOf(CollectiveException.class);
    }

    @Test
    void aMissingRankEndsRankZerosWaitAtTheTimeout() throws Exception {
        int port = freePort();
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> TcpRendezvous.shareFromRoot(world(0, 2, port, 1), new byte[8], 8))
                .isInstanceOf(CollectiveException.class).hasMessageContaining("a rank did not come");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aMasterThatNeverListensIsOneLine() throws Exception {
        int port = freePort();
        assertThatThrownBy(() -> TcpRendezvous.shareFromRoot(world(1, 2, port, 1), null, 8))
                .isInstanceOf(BadInputException.class).hasMessageContaining("cannot reach the master 127.0.0.1:" + port);
    }

    @Test
    void aBusyPortIsOneLineOnRankZero() throws Exception {
        try (ServerSocket busy = new ServerSocket(0)) {
            assertThatThrownBy(() -> TcpRendezvous.shareFromRoot(world(0, 2, busy.getLocalPort(), 1), new byte[8], 8))
                    .isInstanceOf(BadInputException.class).hasMessageContaining("the port is in use");
        }
    }

    private static WorldSpec world(int rank, int size, int port, int timeoutSeconds) {
        return new WorldSpec(rank, size, "127.0.0.1", port, Duration.ofSeconds(timeoutSeconds));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
