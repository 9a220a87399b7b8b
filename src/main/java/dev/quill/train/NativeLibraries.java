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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First loads of native libraries, one process at a time. JavaCPP unpacks a library from its jar into a cache
 * directory ({@code ~/.javacpp/cache}, or {@code -Dorg.bytedeco.javacpp.cachedir}) on first use; when two
 * processes start on an empty cache together, one can map a file the other is still writing, and that JVM
 * dies in the dynamic loader (SIGBUS or SIGSEGV, no Java exception). Every worker of a run starts at once, so
 * the loads that unpack (ND4J's backend; OpenBLAS's bindings; libtorch for Gloo; CUDA and NCCL for NCCL) run under an exclusive lock
 * on a file in the cache directory: the first process unpacks, the others wait and then load the finished files.
 */
public final class NativeLibraries {

    private static final Logger LOG = LoggerFactory.getLogger(NativeLibraries.class);
    private static final String LOCK_FILE = ".quill-unpack.lock";
    private static final ReentrantLock IN_PROCESS = new ReentrantLock();   // a FileLock is per process, not per thread

    private NativeLibraries() {
    }

    /**
     * Runs {@code load} while holding the cache directory's lock (nested calls run directly). When the lock
     * file cannot be opened (a read-only cache that is already filled, a file system without locks), it says
     * so in the log and runs {@code load} without the lock.
     *
     * @param load what touches the native classes for the first time
     * @param <T>  what it returns
     * @return what {@code load} returned
     */
    public static <T> T underCacheLock(Supplier<T> load) {
        Path file;
        try {
            File dir = Loader.getCacheDir();            // honours org.bytedeco.javacpp.cachedir; created when missing
            file = dir.toPath().resolve(LOCK_FILE);
        } catch (IOException e) {
            LOG.warn("cannot open JavaCPP's cache directory ({}); loading native libraries without the lock", e.toString());
            return load.get();
        }
        return underLock(file, load);
    }

    /** Loads libtorch (PyTorch's C++ library, for {@link GlooCollective}) under the cache lock. */
    public static void loadTorch() {
        underCacheLock(() -> Loader.load(org.bytedeco.pytorch.global.torch.class));
    }

    /**
     * Loads the JNI bindings of OpenBLAS (JavaCPP's {@code openblas_nolapack}, through which the CPU backend's
     * products call {@code cblas_sgemm}) under the cache lock; it unpacks a library of its own on first use.
     */
    public static void loadOpenBlas() {
        underCacheLock(() -> Loader.load(org.bytedeco.openblas.global.openblas_nolapack.class));
    }

    /** {@link #underCacheLock} with the lock in {@code file}. */
    static <T> T underLock(Path file, Supplier<T> load) {
        if (IN_PROCESS.isHeldByCurrentThread()) {
            return load.get();
        }
        IN_PROCESS.lock();
        try {
            FileChannel ch;
            try {
                ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            } catch (IOException | UnsupportedOperationException e) {
                return withoutLock(file, e, load);
            }
            try (ch) {
                FileLock held;
                try {
                    held = ch.lock();
                } catch (IOException | UnsupportedOperationException e) {
                    return withoutLock(file, e, load);
                }
                try (held) {
                    return load.get();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);        // releasing the lock failed: the load itself is done
            }
        } finally {
            IN_PROCESS.unlock();
        }
    }

    private static <T> T withoutLock(Path file, Exception why, Supplier<T> load) {
        LOG.warn("cannot lock {} ({}); loading native libraries without the lock", file, why.toString());
        return load.get();
    }
}
