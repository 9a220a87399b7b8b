package dev.quill.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.config.ConfigJson;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code metrics.jsonl}: one JSON object per line, flushed as written, so a notebook or the loss plot can
 * read a run while it trains. On resume, lines after the checkpoint's step (and a partial last line left
 * by a kill) are dropped before new lines are appended.
 */
public final class MetricsLog implements Closeable {

    private final Path file;
    private final BufferedWriter out;
    private final List<JsonNode> lines = new ArrayList<>();

    /**
     * Opens the log, rewriting the file with the lines it keeps.
     *
     * @param file     the log file; its directory is created if needed
     * @param keepUpTo when resuming, the checkpoint's step (0 or more): lines up to it are kept; -1 starts empty
     * @throws IOException when the file cannot be read or written
     */
    public MetricsLog(Path file, long keepUpTo) throws IOException {
        this.file = file;
        List<String> kept = new ArrayList<>();
        if (keepUpTo >= 0 && Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                try {
                    JsonNode n = ConfigJson.MAPPER.readTree(line);
                    if (n != null && n.isObject() && n.path("step").asLong(Long.MAX_VALUE) <= keepUpTo) {
                        kept.add(line);
                        lines.add(n);
                    }
                } catch (IOException partial) {
                    // a line cut by a kill: dropped
                }
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, kept, StandardCharsets.UTF_8);
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    /**
     * Appends one line and flushes it.
     *
     * @param line one JSON object, with at least {@code step}
     * @throws IOException when writing fails
     */
    public void write(ObjectNode line) throws IOException {
        out.write(ConfigJson.MAPPER.writeValueAsString(line));
        out.newLine();
        out.flush();
        lines.add(line);
    }

    /** {@return every line of this run so far (kept and new)} */
    public List<JsonNode> lines() {
        return lines;
    }

    /** {@return the log file} */
    public Path file() {
        return file;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
