package dev.quill.data;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The text the tests train and tokenize on. Most tests use {@link #excerpt()}, a committed 50 KB piece of
 * tiny Shakespeare, so the build needs neither the network nor a downloaded corpus. The few checks of a
 * whole-corpus figure (nanoGPT's 65 symbols and split sizes, line counts) read the full file from the data
 * folder and are skipped, with the reason, when it is not there ({@code ./quill train} downloads it).
 */
public final class TestData {

    static final long TINY_SHAKESPEARE_BYTES = 1_115_394;

    /** The resource: tiny Shakespeare's first 49,981 characters (to a blank line), then one scene of Romeo and Juliet. */
    private static final String EXCERPT = "/tinyshakespeare-excerpt.txt";

    private TestData() {
    }

    /** {@return the excerpt's path (a file under target/test-classes)} */
    public static Path excerptPath() {
        try {
            return Path.of(TestData.class.getResource(EXCERPT).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String excerpt;

    /** {@return the excerpt of tiny Shakespeare, 50,758 characters, read once per test JVM} */
    public static synchronized String excerpt() {
        if (excerpt == null) {
            try {
                excerpt = Files.readString(excerptPath());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return excerpt;
    }

    /** {@code <quill.data.dir>/tinyshakespeare.txt}; the calling test is skipped when it is missing. */
    public static Path tinyShakespearePath() {
        Path dir = Path.of(System.getProperty("quill.data.dir", "data"));
        Path file = dir.resolve("tinyshakespeare.txt");
        assumeTrue(Files.isRegularFile(file), () -> "skipped: this check of a whole-corpus figure needs the full tiny Shakespeare at "
                + file.toAbsolutePath() + " (./quill train downloads it)");
        return file;
    }

    private static String cached;

    /** The whole of tiny Shakespeare, read once per test JVM; the calling test is skipped without it. */
    public static synchronized String tinyShakespeare() {
        Path file = tinyShakespearePath();
        if (cached == null) {
            cached = Corpora.readText(file);
        }
        return cached;
    }
}
