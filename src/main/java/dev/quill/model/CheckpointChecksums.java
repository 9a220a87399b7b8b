package dev.quill.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code checksums.json}: the size and CRC32C of each file of a checkpoint directory, written after the
 * files and checked before they are read, so a flipped bit in the weights (which no header check can see)
 * or a file cut short is refused in one line naming the file.
 *
 * <pre>{"algorithm": "crc32c", "files": {"model.safetensors": {"bytes": 1234, "crc32c": "1a2b3c4d"}, ...}}</pre>
 *
 * <p>CRC32C (Castagnoli) detects every burst error up to 32 bits and random damage with probability
 * 1 - 2^-32; it guards against accidents (disks, copies, truncation), not against someone who edits a file
 * and its checksum. Java computes it with the CPU's crc32 instruction: about 0.05-0.08 s for 500 MB on one
 * core (SHA-256 with SHA-NI takes 0.37-0.56 s), so checking a 124M-parameter model costs little beside
 * reading it.
 *
 * <p>Training writes it ({@code CheckpointStore}) into every checkpoint, after all other files, so it covers
 * the model, tokenizer, trainer state, optimizer and adapter files alike. {@link Checkpoint#save} called
 * directly writes none: a program that saves a model and then puts files beside it (or replaces one) would
 * otherwise leave a listing that no longer fits.
 *
 * <p>Only the files listed are checked: a file added by hand is not, and a directory without
 * {@code checksums.json} (a checkpoint from an older Quill or from {@link Checkpoint#save}, a Hugging Face
 * or PEFT directory) loads unchecked; for a Quill checkpoint ({@code config.json} with
 * {@code format_version}) that is said once per directory, in a log line at INFO.
 */
public final class CheckpointChecksums {

    /** The file's name inside a checkpoint directory. */
    public static final String FILE = "checksums.json";

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointChecksums.class);
    private static final String ALGORITHM = "crc32c";
    private static final long MAX_FILE_BYTES = 1 << 20;        // a listing of a few dozen files is a few KB
    private static final String ON_PURPOSE = " (or, if it was changed on purpose, delete " + FILE + ")";
    private static final Set<Path> NOTICED = ConcurrentHashMap.newKeySet();

    private CheckpointChecksums() {
    }

    /**
     * Records every regular file directly in {@code dir} (except checksums.json itself), replacing the list.
     *
     * @param dir a complete checkpoint directory
     * @throws IOException when a file cannot be read or checksums.json cannot be written
     */
    public static void writeAll(Path dir) throws IOException {
        Map<String, ObjectNode> entries = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Iterator<Path> it = files.iterator(); it.hasNext(); ) {
                Path f = it.next();
                String name = f.getFileName().toString();
                if (Files.isRegularFile(f) && !name.equals(FILE) && !name.startsWith(".")) {
                    entries.put(name, entry(f));
                }
            }
        }
        writeEntries(dir, entries);
    }

    /**
     * Checks every file listed in {@code dir}'s checksums.json.
     *
     * @param dir a checkpoint directory
     * @throws BadInputException naming the file, when one is missing, has another size or another checksum,
     *                           or when checksums.json itself is unreadable
     * @throws IOException       when a file cannot be read for another reason
     */
    public static void verify(Path dir) throws IOException {
        verify(dir, null);
    }

    /**
     * Checks the files of {@code names} that {@code dir}'s checksums.json lists and that exist (the others
     * are not read; a reader says itself when a file it needs is missing).
     *
     * @param dir   a checkpoint directory
     * @param names the files about to be read; null for every listed file, each of which must then exist
     * @throws BadInputException naming the file, when one is missing, has another size or another checksum,
     *                           or when checksums.json itself is unreadable
     * @throws IOException       when a file cannot be read for another reason
     */
    public static void verify(Path dir, Collection<String> names) throws IOException {
        Path listing = dir.resolve(FILE);
        JsonNode root = readListing(listing);
        if (root == null) {
            noticeUnchecked(dir);
            return;
        }
        JsonNode files = root.get("files");
        if (!ALGORITHM.equals(root.path("algorithm").asText()) || files == null || !files.isObject()) {
            throw new BadInputException(listing + ": expected {\"algorithm\": \"crc32c\", \"files\": {...}}; "
                    + "delete it to load the checkpoint unchecked");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (names == null || names.contains(e.getKey()) && Files.exists(dir.resolve(e.getKey()))) {
                check(dir, listing, e.getKey(), e.getValue());
            }
        }
    }

    private static void check(Path dir, Path listing, String name, JsonNode want) throws IOException {
        JsonNode bytes = want.get("bytes");
        JsonNode crc = want.get(ALGORITHM);
        if (name.contains("/") || name.contains("\\") || name.equals("..") || bytes == null || !bytes.canConvertToLong()
                || crc == null || !crc.isTextual()) {
            throw new BadInputException(listing + ": the entry for \"" + name + "\" is not {\"bytes\": N, \"crc32c\": HEX}");
        }
        Path f = dir.resolve(name);
        if (!Files.isRegularFile(f)) {
            throw new BadInputException(f + " is missing (" + listing.getFileName() + " lists it); the checkpoint is incomplete");
        }
        long size = Files.size(f);
        if (size != bytes.asLong()) {
            throw new BadInputException(f + " has " + size + " bytes where " + listing.getFileName() + " records "
                    + bytes.asLong() + ": it was cut short or changed after it was written; use another checkpoint" + ON_PURPOSE);
        }
        String got = crc32c(f);
        if (!got.equalsIgnoreCase(crc.asText())) {
            throw new BadInputException(f + " is damaged: its CRC32C is " + got + " where " + listing.getFileName()
                    + " records " + crc.asText() + " (a flipped bit, or the file was changed after it was written); "
                    + "use another checkpoint" + ON_PURPOSE);
        }
    }

    /** The parsed listing, or null when there is none. */
    private static JsonNode readListing(Path listing) {
        if (!Files.isRegularFile(listing)) {
            return null;
        }
        try {
            if (Files.size(listing) > MAX_FILE_BYTES) {
                throw new IOException("larger than " + MAX_FILE_BYTES + " bytes");
            }
            JsonNode root = ConfigJson.MAPPER.readTree(Files.readString(listing, StandardCharsets.UTF_8));
            if (root == null || !root.isObject()) {
                throw new IOException("not a JSON object");
            }
            return root;
        } catch (IOException e) {
            throw new BadInputException("cannot read " + listing + ": " + firstLine(e)
                    + "; delete it to load the checkpoint unchecked", e);
        }
    }

    private static void noticeUnchecked(Path dir) {
        Path config = dir.resolve(Checkpoint.CONFIG);
        try {
            if (Files.isRegularFile(config) && Files.size(config) < MAX_FILE_BYTES
                    && ConfigJson.MAPPER.readTree(Files.readString(config)).has("format_version")
                    && NOTICED.add(dir.toAbsolutePath().normalize())) {
                LOG.info("{} has no {} (it was not written by training, or by an older Quill): its files are loaded unchecked",
                        dir, FILE);
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable config.json is reported by whoever reads it next
        }
    }

    private static ObjectNode entry(Path f) throws IOException {
        return ConfigJson.object().put("bytes", Files.size(f)).put(ALGORITHM, crc32c(f));
    }

    private static void writeEntries(Path dir, Map<String, ObjectNode> entries) throws IOException {
        ObjectNode root = ConfigJson.object().put("algorithm", ALGORITHM);
        ObjectNode files = root.putObject("files");
        entries.forEach(files::set);
        Path target = dir.resolve(FILE);
        Path tmp = dir.resolve("." + FILE + ".tmp");
        Files.writeString(tmp, ConfigJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * @param file a file
     * @return its CRC32C as 8 lower-case hex digits
     * @throws IOException when it cannot be read
     */
    public static String crc32c(Path file) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        try (FileChannel ch = FileChannel.open(file)) {
            while (ch.read(buf.clear()) > 0) {
                crc.update(buf.flip());
            }
        } catch (NoSuchFileException e) {
            throw new BadInputException(file + " is missing", e);
        }
        return String.format("%08x", crc.getValue());
    }

    private static String firstLine(Exception e) {
        String m = e.getMessage() == null ? "unreadable" : e.getMessage();
        return m.lines().findFirst().orElse("");
    }
}
