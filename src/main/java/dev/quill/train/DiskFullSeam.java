package dev.quill.train;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * A stand-in for a full disk, for tests on machines where they cannot mount a small file system: with a
 * capacity set, a checkpoint whose files hold more bytes fails as a full disk does, its last file cut at
 * the capacity and an {@link IOException} thrown. Off (capacity -1) unless a test sets it.
 */
final class DiskFullSeam {

    /** Bytes a checkpoint directory may hold; -1 for no limit. */
    static volatile long capacityBytes = -1;

    private DiskFullSeam() {
    }

    /** Throws as a full disk would when the files of {@code dir} exceed {@link #capacityBytes}. */
    static void check(Path dir) throws IOException {
        long capacity = capacityBytes;
        if (capacity < 0) {
            return;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        long used = 0;
        for (Path f : files) {
            long size = Files.size(f);
            if (used + size > capacity) {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
                    ch.truncate(capacity - used);
                }
                throw new IOException("No space left on device");
            }
            used += size;
        }
    }
}
