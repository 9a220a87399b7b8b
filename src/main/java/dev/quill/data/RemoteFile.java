package dev.quill.data;

import dev.quill.config.BadInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A data file with a known home on the web, size and SHA-256: {@link #ensure(Path)} returns the local
 * copy, downloading it first when it is missing. A download is checked (size and hash) before it is
 * moved into place in one step, so a half-written or corrupt file never appears under the real name.
 *
 * @param fileName the local file name
 * @param url      where to download it from
 * @param size     expected size in bytes
 * @param sha256   expected SHA-256, lower-case hex
 */
public record RemoteFile(String fileName, URI url, long size, String sha256) {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteFile.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /**
     * @param fileName not null
     * @param url      not null
     * @param size     positive
     * @param sha256   64 lower-case hex digits
     * @throws IllegalArgumentException when {@code size} or {@code sha256} is malformed
     */
    public RemoteFile {
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(url, "url");
        if (size <= 0) {
            throw new IllegalArgumentException("size must be positive: " + size);
        }
        if (!sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits: " + sha256);
        }
    }

    /**
     * The file in {@code dir}, downloaded there first if it is not present.
     *
     * @throws BadInputException if the download fails (the message says where to put the file by hand),
     *                           or if the downloaded or existing file has the wrong size or hash
     * @param dir the data folder; created when missing
     * @return the checked local file
     */
    public Path ensure(Path dir) {
        Path target = dir.resolve(fileName);
        if (Files.isRegularFile(target)) {
            verify(target, "the existing file " + target + "; delete it so that it is downloaded again");
            return target;
        }
        download(target);
        return target;
    }

    private void download(Path target) {
        LOG.info("downloading {} to {}", url, target);
        Path temp = null;
        try {
            temp = AtomicFiles.tempBeside(target);
            HttpResponse<InputStream> response = fetch();
            try (InputStream body = response.body(); OutputStream out = Files.newOutputStream(temp)) {
                if (response.statusCode() != 200) {
                    throw new IOException("HTTP status " + response.statusCode());
                }
                body.transferTo(out);
            }
            verify(temp, "the download from " + url + "; try again, or put the right file at " + target.toAbsolutePath());
            AtomicFiles.moveIntoPlace(temp, target);
            temp = null;
        } catch (IOException e) {
            throw new BadInputException("could not download " + fileName + " from " + url + " (" + e + "): with no network,"
                    + " put the file (" + size + " bytes) at " + target.toAbsolutePath() + ", or point -Dquill.data.dir at its folder (with ./quill: QUILL_JAVA_OPTS=-Dquill.data.dir=DIR), or train on your own text with --data FILE", e);
        } finally {
            AtomicFiles.deleteQuietly(temp);
        }
    }

    private HttpResponse<InputStream> fetch() throws IOException {
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        HttpRequest request = HttpRequest.newBuilder(url).timeout(TIMEOUT).GET().build();
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Checks size and hash of {@code file}; {@code what} completes the error message. */
    private void verify(Path file, String what) {
        try {
            long actualSize = Files.size(file);
            if (actualSize != size) {
                throw new BadInputException(fileName + ": expected " + size + " bytes but found " + actualSize + " in " + what);
            }
            String actualHash = sha256Of(file);
            if (!actualHash.equals(sha256)) {
                throw new BadInputException(fileName + ": SHA-256 is " + actualHash + ", expected " + sha256 + ", in " + what);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
    }

    /** The SHA-256 of a file, lower-case hex. */
    static String sha256Of(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        try (var in = new DigestInputStream(Files.newInputStream(file), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
