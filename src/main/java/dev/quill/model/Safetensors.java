package dev.quill.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.config.BadInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads and writes the safetensors format, the checkpoint format of the PyTorch/Hugging Face world.
 *
 * <p>A file is: an 8-byte little-endian unsigned header length N; N bytes of UTF-8 JSON (possibly padded
 * with trailing spaces) mapping each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end)}}
 * plus an optional {@code "__metadata__"} string-to-string map; then the data section, the raw
 * little-endian bytes of every tensor in row-major order, with offsets relative to its start.
 *
 * <p>Reading validates the whole header (package-private {@code SafetensorsHeader}) before it allocates
 * anything, so a bad file fails with one {@link BadInputException} naming the file (and the tensor) and
 * nothing is half-returned. Arrays are
 * created outside any ND4J workspace, in 'c' order; F16 and BF16 are widened exactly to FLOAT.
 * Writing lays tensors out contiguously in the map's order and pads the header with spaces to a multiple
 * of 8 bytes, as the reference Python implementation does.
 */
public final class Safetensors {

    /**
     * The contents of a safetensors file.
     *
     * @param tensors the tensors in header order (unmodifiable)
     * @param metadata the {@code __metadata__} map, empty when the file has none (unmodifiable)
     */
    public record Contents(Map<String, INDArray> tensors, Map<String, String> metadata) {
        /**
         * Copies both maps into unmodifiable, order-keeping maps.
         *
         * @param tensors  not null
         * @param metadata not null; empty for none
         */
        public Contents {
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(tensors)));
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(metadata)));
        }
    }

    /** The reference implementation refuses headers over 100 MB; so do we (a 1000-layer model is ~1 MB). */
    private static final long MAX_HEADER_BYTES = 100_000_000L;
    /** Bytes moved per read or write call; a multiple of every element size. */
    private static final int CHUNK_BYTES = 1 << 22;

    private Safetensors() {}

    /**
     * Reads a whole safetensors file.
     *
     * @param file the file
     * @return its tensors, in header order, and its metadata
     * @throws BadInputException if the file is missing or is not a well-formed safetensors file that Quill
     *     can load (unknown dtype, inconsistent or overlapping offsets, truncated data, ...)
     * @throws IOException if reading fails for another reason
     */
    public static Contents read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            Layout layout = layout(ch, file);
            // Everything is validated; only now allocate (long-lived arrays: outside any workspace).
            var tensors = new LinkedHashMap<String, INDArray>();
            ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            try (var ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                for (SafetensorsHeader.Entry e : layout.entries()) {
                    tensors.put(e.name(), load(ch, file, layout.dataStart(), e, chunk));
                }
            }
            return new Contents(tensors, layout.metadata());
        } catch (NoSuchFileException e) {
            throw SafetensorsHeader.bad(file, "no such file");
        }
    }

    /**
     * A file's validated header: its tensors in header order, its metadata, and the file offset where the
     * data section (to which the entries' offsets are relative) begins.
     */
    record Layout(List<SafetensorsHeader.Entry> entries, Map<String, String> metadata, long dataStart) {}

    /** Reads and validates the header of an open file, allocating nothing for its tensors. */
    static Layout layout(FileChannel ch, Path file) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw SafetensorsHeader.bad(file, "file is %d bytes, shorter than the 8-byte header length", size);
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0, file);
        long headerLen = lenBuf.getLong(0); // u64: negative here means >= 2^63
        if (headerLen < 0 || headerLen > size - 8) {
            throw SafetensorsHeader.bad(file, "header length %s bytes is larger than the file (%d bytes)",
                    Long.toUnsignedString(headerLen), size);
        }
        if (headerLen > MAX_HEADER_BYTES) {
            throw SafetensorsHeader.bad(file, "header length %d bytes is over the %d-byte limit", headerLen, MAX_HEADER_BYTES);
        }
        ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
        readFully(ch, headerBuf, 8, file);
        long dataStart = 8 + headerLen;
        var metadata = new LinkedHashMap<String, String>();
        List<SafetensorsHeader.Entry> entries = SafetensorsHeader.parse(file, headerBuf.array(), size - dataStart, metadata);
        return new Layout(entries, metadata, dataStart);
    }

    /** Allocates one array and fills it from the file, chunk by chunk, through its NIO view. */
    private static INDArray load(FileChannel ch, Path file, long dataStart, SafetensorsHeader.Entry e, ByteBuffer chunk)
            throws IOException {
        long numel = Arrays.stream(e.shape()).reduce(1, (x, y) -> x * y);
        if (numel == 0) {
            return Nd4j.create(e.dtype().loadsAs, e.shape(), 'c'); // empty: no buffer to fill
        }
        // Uninitialised: every byte is overwritten below, and zero-filling 500 MB costs about a second.
        INDArray arr = Nd4j.createUninitialized(e.dtype().loadsAs, e.shape(), 'c');
        // Typed views over the array's native memory; integer views move float bits untouched (NaN payloads).
        ByteBuffer dst = arr.data().asNio().order(ByteOrder.nativeOrder());
        IntBuffer dst32 = dst.asIntBuffer();
        LongBuffer dst64 = dst.asLongBuffer();
        long pos = dataStart + e.begin();
        long remaining = e.end() - e.begin();
        while (remaining > 0) {
            int n = (int) Math.min(remaining, CHUNK_BYTES);
            chunk.clear().limit(n);
            readFully(ch, chunk, pos, file);
            chunk.flip();
            if (e.dtype().isHalf()) {
                ShortBuffer src = chunk.asShortBuffer();
                while (src.hasRemaining()) {
                    dst32.put(e.dtype().halfToFloatBits(src.get()));
                }
            } else if (e.dtype().bytes == 4) {
                dst32.put(chunk.asIntBuffer());
            } else {
                dst64.put(chunk.asLongBuffer());
            }
            pos += n;
            remaining -= n;
        }
        return arr;
    }

    static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        long p = pos;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, p);
            if (n < 0) {
                throw SafetensorsHeader.bad(file, "truncated: the file ended at byte %d while reading", p);
            }
            p += n;
        }
    }

    /**
     * Writes tensors and optional metadata as a safetensors file. The file is written beside the target
     * ({@code name.tmp}) and renamed into place, so a failed or killed write never leaves a half-written
     * file under the final name. There is no fsync: a power cut right after the rename may still lose it.
     *
     * @param file the file to write; replaced when it exists
     * @param tensors written in the map's iteration order; FLOAT, DOUBLE, INT or LONG arrays of any
     *     ordering (views and 'f'-order arrays are copied to 'c' order first)
     * @param metadata string pairs for {@code __metadata__}; null or empty writes none
     * @throws IllegalArgumentException for a dtype Quill does not write or the reserved name __metadata__
     * @throws IOException if writing fails
     */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata)
            throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(tensors, "tensors");
        ObjectNode header = SafetensorsHeader.JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(SafetensorsHeader.METADATA_KEY);
            metadata.forEach((k, v) -> meta.put(Objects.requireNonNull(k, "metadata key"),
                    Objects.requireNonNull(v, () -> "metadata value of " + k)));
        }
        var arrays = new ArrayList<INDArray>();
        var dtypes = new ArrayList<SafetensorsDtype>();
        long offset = 0;
        for (var t : tensors.entrySet()) {
            String name = Objects.requireNonNull(t.getKey(), "tensor name");
            INDArray arr = Objects.requireNonNull(t.getValue(), () -> "tensor " + name);
            if (name.equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
            }
            SafetensorsDtype dtype = SafetensorsDtype.forWriting(arr.dataType()).orElseThrow(() ->
                    new IllegalArgumentException("tensor '" + name + "': cannot write ND4J type "
                            + arr.dataType() + " (Quill writes FLOAT, DOUBLE, INT, LONG)"));
            long bytes = arr.length() * dtype.bytes;
            ObjectNode entry = header.putObject(name);
            entry.put("dtype", dtype.name());
            var shape = entry.putArray("shape");
            for (long d : arr.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
            arrays.add(arr);
            dtypes.add(dtype);
        }

        byte[] json = SafetensorsHeader.JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8; // data then starts 8-byte aligned
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();

        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, head);
                ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < arrays.size(); i++) {
                    store(ch, contiguousC(arrays.get(i)), dtypes.get(i), chunk);
                }
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The array itself when its buffer is exactly its elements in row-major order, else a 'c' copy. */
    private static INDArray contiguousC(INDArray arr) {
        boolean plain = !arr.isView() && arr.ordering() == 'c' && arr.offset() == 0
                && (arr.isEmpty() || arr.data().length() == arr.length())
                && Shape.hasDefaultStridesForShape(arr);
        return plain ? arr : arr.dup('c');
    }

    /** Writes one row-major array as little-endian bytes (the JDK views swap bytes on big-endian hosts). */
    private static void store(FileChannel ch, INDArray arr, SafetensorsDtype dtype, ByteBuffer chunk)
            throws IOException {
        if (arr.length() == 0) {
            return;
        }
        ByteBuffer src = arr.data().asNio().order(ByteOrder.nativeOrder());
        int total = (int) (arr.length() * dtype.bytes);
        for (int start = 0; start < total; start += CHUNK_BYTES) {
            int n = Math.min(CHUNK_BYTES, total - start);
            ByteBuffer part = src.duplicate().order(ByteOrder.nativeOrder()).position(start).limit(start + n);
            chunk.clear();
            if (dtype.bytes == 4) {
                chunk.asIntBuffer().put(part.order(ByteOrder.nativeOrder()).asIntBuffer());
            } else {
                chunk.asLongBuffer().put(part.order(ByteOrder.nativeOrder()).asLongBuffer());
            }
            chunk.limit(n);
            writeFully(ch, chunk);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
