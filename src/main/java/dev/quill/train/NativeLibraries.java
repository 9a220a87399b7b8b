package dev.quill.train;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Loader;

/**
 * First loads of native libraries, one process at a time. JavaCPP unpacks a library from its jar into a cache
 * directory ({@code ~/.javacpp/cache}, or {@code -Dorg.bytedeco.javacpp.cachedir}) on first use; when two
 * processes start on an empty cache together, one can map a file the other is still writing, and that JVM
 * dies in the dynamic loader (SIGBUS or SIGSEGV, no Java exception). Every worker of a run starts at once, so
 * the loads that unpack (libtorch for Gloo; ND4J's backend and CUDA for NCCL) run under an exclusive lock on a
 * file in the cache directory: the first process unpacks, the others wait and then load the finished files.
 */
public final class NativeLibraries {

    private static final String LOCK_FILE = ".quill-unpack.lock";
    private static final ReentrantLock IN_PROCESS = new ReentrantLock();   // a FileLock is per process, not per thread

    private NativeLibraries() {
    }

    /**
     * Runs {@code load} while holding the cache directory's lock (nested calls run directly).
     *
     * @param load what touches the native classes for the first time
     * @param <T>  what it returns
     * @return what {@code load} returned
     * @throws UncheckedIOException when the cache directory or its lock file cannot be opened
     */
    public static <T> T underCacheLock(Supplier<T> load) {
        if (IN_PROCESS.isHeldByCurrentThread()) {
            return load.get();
        }
        IN_PROCESS.lock();
        try (FileChannel ch = FileChannel.open(lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = ch.lock()) {
            return load.get();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock JavaCPP's cache directory to unpack native libraries: " + e.getMessage(), e);
        } finally {
            IN_PROCESS.unlock();
        }
    }

    /** Loads libtorch (PyTorch's C++ library, for {@link GlooCollective}) under the cache lock. */
    public static void loadTorch() {
        underCacheLock(() -> Loader.load(org.bytedeco.pytorch.global.torch.class));
    }

    private static Path lockFile() throws IOException {
        File dir = Loader.getCacheDir();            // honours org.bytedeco.javacpp.cachedir; created when missing
        return dir.toPath().resolve(LOCK_FILE);
    }
}
