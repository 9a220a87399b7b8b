package dev.quill.train;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted for one test, to fill a real file system; the test is skipped (an assumption) where
 * this machine does not let it mount one (not root, a container without the capability, not Linux).
 */
public final class TmpfsMount implements AutoCloseable {

    private final Path dir;

    private TmpfsMount(Path dir) {
        this.dir = dir;
    }

    /**
     * @param dir   an empty directory to mount on
     * @param bytes the file system's size
     * @return the mount; close it to unmount
     */
    public static TmpfsMount mount(Path dir, long bytes) throws Exception {
        Files.createDirectories(dir);
        int rc;
        try {
            rc = run("mount", "-t", "tmpfs", "-o", "size=" + bytes, "quill-test", dir.toString());
        } catch (IOException e) {
            rc = -1;
        }
        assumeTrue(rc == 0, "cannot mount a tmpfs here (mount exit " + rc + ")");
        return new TmpfsMount(dir);
    }

    /** {@return the mount point} */
    public Path dir() {
        return dir;
    }

    /**
     * Writes {@code name} until the file system is full.
     *
     * @return the bytes written
     */
    public long fill(String name) throws IOException {
        byte[] chunk = new byte[4096];
        long n = 0;
        try (var out = Files.newOutputStream(dir.resolve(name))) {
            while (true) {
                out.write(chunk);
                out.flush();
                n += chunk.length;
            }
        } catch (IOException full) {
            return n;
        }
    }

    @Override
    public void close() throws Exception {
        run("umount", "-l", dir.toString());
    }

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                return -1;
            }
            return p.exitValue();
        } finally {
            p.destroyForcibly();
        }
    }
}
