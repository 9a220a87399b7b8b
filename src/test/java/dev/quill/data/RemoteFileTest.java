package dev.quill.data;

import com.sun.net.httpserver.HttpServer;
import dev.quill.config.BadInputException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Downloads against a local HTTP server on 127.0.0.1 (there is no network in CI). */
class RemoteFileTest {

    private static final byte[] BODY = "To be, or not to be, that is the question:\n".getBytes(StandardCharsets.UTF_8);
    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();

    private URI serve(byte[] body) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/input.txt", exchange -> {
            requests.incrementAndGet();
            exchange.sendResponseHeaders(200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/input.txt");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void downloadsVerifiesAndReusesTheFile(@TempDir Path dir) throws Exception {
        var remote = new RemoteFile("hamlet.txt", serve(BODY), BODY.length, sha256(BODY));
        Path file = remote.ensure(dir.resolve("data"));
        assertThat(file).isEqualTo(dir.resolve("data/hamlet.txt"));
        assertThat(Files.readAllBytes(file)).isEqualTo(BODY);
        remote.ensure(dir.resolve("data"));
        assertThat(requests.get()).as("second call uses the local copy").isEqualTo(1);
        try (var files = Files.list(dir.resolve("data"))) {
            assertThat(files).containsExactly(file); // no temporary file left behind
        }
    }

    @Test
    void wrongChecksumLeavesNoFile(@TempDir Path dir) throws Exception {
        byte[] tampered = BODY.clone();
        tampered[0] = 't';
        var remote = new RemoteFile("hamlet.txt", serve(tampered), BODY.length, sha256(BODY));
        assertThatThrownBy(() -> remote.ensure(dir))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("SHA-256");
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void wrongSizeIsRejected(@TempDir Path dir) throws Exception {
        var remote = new RemoteFile("hamlet.txt", serve(BODY), BODY.length + 1, sha256(BODY));
        assertThatThrownBy(() -> remote.ensure(dir))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("expected " + (BODY.length + 1) + " bytes");
        assertThat(dir.resolve("hamlet.txt")).doesNotExist();
    }

    @Test
    void noNetworkSaysWhichFileToPutWhere(@TempDir Path dir) throws Exception {
        int closedPort;
        try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort(); // free once closed: nothing listens there
        }
        var remote = new RemoteFile("tinyshakespeare.txt", URI.create("http://127.0.0.1:" + closedPort + "/input.txt"),
                1_115_394, Corpora.TINY_SHAKESPEARE.sha256());
        assertThatThrownBy(() -> remote.ensure(dir))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("could not download tinyshakespeare.txt")
                .hasMessageContaining(dir.resolve("tinyshakespeare.txt").toAbsolutePath().toString())
                .hasMessageContaining("1115394 bytes");
        assertThat(dir.resolve("tinyshakespeare.txt")).doesNotExist();
    }

    @Test
    void aWrongLocalFileIsNotSilentlyUsed(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("hamlet.txt"), "something else".getBytes(StandardCharsets.UTF_8));
        var remote = new RemoteFile("hamlet.txt", URI.create("http://127.0.0.1:9/unused"), BODY.length, sha256(BODY));
        assertThatThrownBy(() -> remote.ensure(dir))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("delete it");
    }

    @Test
    void tinyShakespeareConstantsAreTheKnownOnes() {
        assertThat(Corpora.TINY_SHAKESPEARE.url().toString())
                .isEqualTo("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt");
        assertThat(Corpora.TINY_SHAKESPEARE.size()).isEqualTo(1_115_394L);
    }
}
