package dev.quill.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One run per output directory: an operating-system lock on {@code quill.lock} in the directory, held
 * while a run trains. A second run (or a {@code --resume}) on the same directory is refused in one line
 * naming the process that holds it, read from the file, which the holder fills with its pid, host and
 * start time. The operating system drops the lock when its process ends, however it ends, so a run killed
 * with {@code kill -9} leaves a stale file but no lock, and the next run takes it. The file stays (deleting
 * a lock file on release races with a process that has just opened it).
 *
 * <p>Within one JVM the operating system does not tell two holders apart, so the directories this JVM holds
 * are also kept in a set. In a distributed launch only rank 0 takes the lock; the other ranks get a lock
 * that holds nothing ({@link #acquire(Path, int)}).
 *
 * <p>{@code FileChannel.tryLock} is advisory {@code fcntl} locking on Linux and macOS: every Quill honours
 * it; on NFS it works where the server supports locks.
 */
public final class RunLock implements AutoCloseable {

    /** The lock file's name inside the output directory. */
    public static final String FILE = "quill.lock";

    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code dir} for this process, as rank 0.
     *
     * @param dir the run's output directory, created if needed
     * @return the lock; close it when the run ends
     * @throws BadInputException when another run holds it, naming that run's pid and host
     * @throws IOException       when the directory or the lock file cannot be created
     */
    public static RunLock acquire(Path dir) throws IOException {
        return acquire(dir, 0);
    }

    /**
     * Takes the lock of {@code dir} when {@code rank} is 0; other ranks of a distributed run write into rank
     * 0's directory under its lock and get a lock that holds nothing.
     *
     * @param dir  the run's output directory, created if needed (by rank 0)
     * @param rank this process's rank in a distributed launch; 0 for a single process
     * @return the lock; close it when the run ends
     * @throws BadInputException when another run holds it, naming that run's pid and host
     * @throws IOException       when the directory or the lock file cannot be created
     */
    public static RunLock acquire(Path dir, int rank) throws IOException {
        if (rank != 0) {
            return new RunLock(null, null, null);
        }
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE);
        Path key = dir.toRealPath().resolve(FILE);
        if (!HELD.add(key)) {
            throw refused(dir, file);
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;                                   // held elsewhere in this JVM, outside this class
            }
            if (lock == null) {
                throw refused(dir, file);
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(holder().getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
            return new RunLock(key, ch, lock);
        } catch (IOException | RuntimeException e) {
            HELD.remove(key);
            if (ch != null) {
                ch.close();
            }
            throw e;
        }
    }

    /** Releases the lock (the file stays, naming the last holder). */
    @Override
    public void close() throws IOException {
        if (channel == null) {
            return;
        }
        try {
            lock.release();
            channel.close();
        } finally {
            HELD.remove(key);
        }
    }

    private static String holder() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown";
        }
        return ConfigJson.object().put("pid", ProcessHandle.current().pid()).put("host", host)
                .put("started", Instant.now().toString()).toString() + "\n";
    }

    /** The refusal, naming the holder as its lock file says (the file may be empty for an instant). */
    private static BadInputException refused(Path dir, Path file) {
        String who = "another process";
        try {
            if (Files.size(file) < 4096) {
                JsonNode n = ConfigJson.MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
                if (n != null && n.path("pid").canConvertToLong()) {
                    long pid = n.get("pid").asLong();
                    who = (pid == ProcessHandle.current().pid() ? "this process, pid " : "pid ") + pid
                            + (n.hasNonNull("host") ? " on " + n.get("host").asText() : "")
                            + (n.hasNonNull("started") ? ", started " + n.get("started").asText() : "");
                }
            }
        } catch (IOException | RuntimeException e) {
            // unreadable holder info: say "another process"
        }
        return new BadInputException(dir + " is in use by another run (" + who + "); wait for it to end, "
                + "or use --out for another directory");
    }
}
