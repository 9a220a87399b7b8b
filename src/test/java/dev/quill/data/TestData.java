package dev.quill.data;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the tests find tiny Shakespeare; missing data fails the test, it never skips it. */
final class TestData {

    static final long TINY_SHAKESPEARE_BYTES = 1_115_394;

    private TestData() {
    }

    /** {@code <quill.data.dir>/tinyshakespeare.txt}, which must exist. */
    static Path tinyShakespearePath() {
        Path dir = Path.of(System.getProperty("quill.data.dir", "data"));
        Path file = dir.resolve("tinyshakespeare.txt");
        if (!Files.isRegularFile(file)) {
            throw new AssertionError("tiny Shakespeare is missing: copy it to " + file.toAbsolutePath()
                    + " (e.g. mkdir -p data && cp ../shared/data/tinyshakespeare.txt data/) before running the tests");
        }
        return file;
    }

    private static String cached;

    /** The text of tiny Shakespeare, read once per test JVM. */
    static synchronized String tinyShakespeare() {
        if (cached == null) {
            cached = Corpora.readText(tinyShakespearePath());
        }
        return cached;
    }
}
