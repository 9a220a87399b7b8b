package dev.quill.data;

import dev.quill.config.BadInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Token ids in a file, written once and memory-mapped to read: for corpora whose tokens do not fit in
 * the heap. The format is nothing but the ids as int32 little-endian, so the file has {@code 4 * n}
 * bytes and {@code numpy.fromfile(path, dtype="<i4")} reads it too.
 *
 * <p>The operating system pages the file in on demand, so random windows cost only the pages they
 * touch. A mapping covers at most 2 GiB, so the file is mapped in segments of {@value #SEGMENT_INTS}
 * ids.
 */
public final class TokenFile implements Tokens {

    private static final Logger LOG = LoggerFactory.getLogger(TokenFile.class);
    static final int SEGMENT_INTS = 1 << 28; // 1 GiB per mapping

    private final Path path;
    private final long size;
    private final IntBuffer[] segments;

    private TokenFile(Path path, long size, IntBuffer[] segments) {
        this.path = path;
        this.size = size;
        this.segments = segments;
    }

    /**
     * Maps an existing token file as it is; {@link #open(Path, int)} also checks its ids against a vocabulary.
     *
     * @param path a file of little-endian int32 ids
     * @return the mapped tokens
     * @throws BadInputException if it is missing or its length is not a multiple of 4
     */
    public static TokenFile open(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long bytes = channel.size();
            if (bytes % 4 != 0) {
                throw new BadInputException("token file " + path + " has " + bytes
                        + " bytes, not a multiple of 4 (int32 ids): it is truncated or not a token file; write it again");
            }
            long n = bytes / 4;
            int count = (int) ((n + SEGMENT_INTS - 1) / SEGMENT_INTS);
            var segments = new IntBuffer[count];
            for (int s = 0; s < count; s++) {
                long first = (long) s * SEGMENT_INTS;
                long ints = Math.min(SEGMENT_INTS, n - first);
                segments[s] = channel.map(FileChannel.MapMode.READ_ONLY, first * 4, ints * 4)
                        .order(ByteOrder.LITTLE_ENDIAN).asIntBuffer();
            }
            return new TokenFile(path, n, segments);
        } catch (NoSuchFileException e) {
            throw new BadInputException("no token file at " + path.toAbsolutePath() + "; write it first");
        } catch (IOException e) {
            throw new UncheckedIOException("could not map " + path, e);
        }
    }

    /**
     * Maps a token file and checks that every id is one of {@code vocabSize}: a file written with another
     * tokenizer, or one that is not a token file, fails here in one line rather than as an index error deep in
     * the model's embedding. The check reads the whole file once (sequentially, about a second per GiB).
     *
     * @param path      a file of little-endian int32 ids
     * @param vocabSize the tokenizer's vocabulary size: ids must lie in {@code [0, vocabSize)}
     * @return the mapped tokens
     * @throws BadInputException if it is missing, its length is not a multiple of 4, or an id is negative or
     *                           not below {@code vocabSize}
     */
    public static TokenFile open(Path path, int vocabSize) {
        TokenFile file = open(path);
        for (int s = 0; s < file.segments.length; s++) {
            IntBuffer seg = file.segments[s];
            for (int i = 0, n = seg.limit(); i < n; i++) {
                int id = seg.get(i);
                if (id < 0 || id >= vocabSize) {
                    throw new BadInputException("token file " + path + ": id " + id + " at position "
                            + ((long) s * SEGMENT_INTS + i) + " is outside the vocabulary [0, " + vocabSize
                            + "): it was written with another tokenizer, or is not a token file");
                }
            }
        }
        return file;
    }

    /**
     * @param path where the finished file goes
     * @return a writer; the file appears under {@code path} only when the writer is committed
     */
    public static Writer writer(Path path) {
        return new Writer(path);
    }

    /**
     * Tokenizes a text file of any size into a token file, streaming it ({@link TextStream}) so the text
     * never has to fit in memory, and maps the result.
     *
     * @param text         a UTF-8 text file
     * @param tokenizer    the tokenizer
     * @param allowSpecial turn special-token strings in the text into their ids
     * @param out          the token file to write
     * @return {@code out}, mapped
     * @throws BadInputException when the text cannot be read or encoded
     */
    public static TokenFile encode(Path text, Tokenizer tokenizer, boolean allowSpecial, Path out) {
        long start = System.nanoTime();
        try (Writer writer = writer(out)) {
            TextStream.forEachPiece(text, 1 << 20, piece -> writer.write(tokenizer.encode(piece, allowSpecial)));
            writer.commit();
        }
        TokenFile file = open(out);
        LOG.info("tokenized {} into {} tokens ({}) in {} ms", text, file.size(), out, (System.nanoTime() - start) / 1_000_000);
        return file;
    }

    /** {@return the file this maps} */
    public Path path() {
        return path;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int get(long index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index " + index + " of " + size + " tokens");
        }
        return segments[(int) (index / SEGMENT_INTS)].get((int) (index % SEGMENT_INTS));
    }

    @Override
    public void read(long from, int[] dst, int offset, int length) {
        checkRange(from, length);
        while (length > 0) {
            int s = (int) (from / SEGMENT_INTS);
            int at = (int) (from % SEGMENT_INTS);
            int n = Math.min(length, SEGMENT_INTS - at);
            segments[s].get(at, dst, offset, n);
            from += n;
            offset += n;
            length -= n;
        }
    }

    @Override
    public String toString() {
        return "TokenFile[" + path + ", " + size + " tokens]";
    }

    /** Appends ids to a new token file; {@link #commit()} moves it into place. */
    public static final class Writer implements AutoCloseable {
        private final Path target;
        private final Path temp;
        private final OutputStream out;
        private final ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private long written;
        private boolean closed;

        private Writer(Path target) {
            this.target = target;
            try {
                this.temp = AtomicFiles.tempBeside(target);
                this.out = new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16);
            } catch (IOException e) {
                throw new UncheckedIOException("could not create " + target, e);
            }
        }

        /**
         * Appends ids.
         *
         * @param ids the ids, in order
         */
        public void write(int[] ids) {
            try {
                for (int id : ids) {
                    if (!buffer.hasRemaining()) {
                        flushBuffer();
                    }
                    buffer.putInt(id);
                }
                written += ids.length;
            } catch (IOException e) {
                throw new UncheckedIOException("could not write " + temp, e);
            }
        }

        /** {@return the number of ids written so far} */
        public long written() {
            return written;
        }

        private void flushBuffer() throws IOException {
            out.write(buffer.array(), 0, buffer.position());
            buffer.clear();
        }

        /** Finishes the file and moves it to its name; without this, {@link #close()} discards it. */
        public void commit() {
            if (closed) {
                throw new IllegalStateException("writer for " + target + " is already closed");
            }
            closed = true;
            try {
                flushBuffer();
                out.close();
                AtomicFiles.moveIntoPlace(temp, target);
            } catch (IOException e) {
                AtomicFiles.deleteQuietly(temp);
                throw new UncheckedIOException("could not finish " + target, e);
            }
        }

        /** Discards the file unless {@link #commit()} ran, so a failed run leaves nothing half-written. */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                out.close();
            } catch (IOException ignored) {
                // the file is being thrown away
            }
            AtomicFiles.deleteQuietly(temp);
        }
    }
}
