package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.quill.autograd.Rng;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.LoraConfig;
import dev.quill.config.ModelConfig;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** checksums.json: written into every checkpoint by training (as {@code writeAll} here), checked when one is loaded. */
class CheckpointChecksumsTest {

    private static final ModelConfig CFG = new ModelConfig(13, 8, 2, 2, 8, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-5,
            ModelConfig.Positions.LEARNED, false, ModelConfig.Activation.GELU, 4);

    /** Flips bit {@code bit} of the byte at {@code offset} from the end of the file. */
    static void flipBit(Path file, long offsetFromEnd, int bit) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            long pos = f.length() - offsetFromEnd;
            f.seek(pos);
            int b = f.read();
            f.seek(pos);
            f.write(b ^ (1 << bit));
        }
    }

    /** A checkpoint as training leaves it: the files, then checksums.json. */
    static void save(Path dir, Gpt model) throws Exception {
        Checkpoint.save(dir, model);
        CheckpointChecksums.writeAll(dir);
    }

    @Test
    void crc32cOfTheStandardCheckStringIsThePublishedValue(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("check.txt");
        Files.writeString(f, "123456789", StandardCharsets.US_ASCII);
        // the check value of CRC-32C (Castagnoli) in RFC 3720 and the CRC catalogue
        assertThat(CheckpointChecksums.crc32c(f)).isEqualTo("e3069283");
    }

    @Test
    void theListingHoldsTheSizeOfEachFile(@TempDir Path dir) throws Exception {
        save(dir, new Gpt(CFG, 5));
        JsonNode files = ConfigJson.MAPPER.readTree(dir.resolve(CheckpointChecksums.FILE).toFile()).get("files");
        assertThat(files.fieldNames()).toIterable().containsExactlyInAnyOrder(Checkpoint.CONFIG, Checkpoint.WEIGHTS);
        for (String name : List.of(Checkpoint.CONFIG, Checkpoint.WEIGHTS)) {
            assertThat(files.get(name).get("bytes").asLong()).as(name).isEqualTo(Files.size(dir.resolve(name)));
        }
        assertThat(Checkpoint.load(dir).config()).isEqualTo(CFG);
    }

    @Test
    void aFlippedBitInTheWeightsIsRefusedInOneLineNamingTheFile(@TempDir Path dir) throws Exception {
        save(dir, new Gpt(CFG, 5));
        Path weights = dir.resolve(Checkpoint.WEIGHTS);
        flipBit(weights, 3, 2);                               // inside the last float: the header is untouched
        assertThat(Safetensors.read(weights).tensors()).as("the header check cannot see it").isNotEmpty();
        assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining(weights.toString()).hasMessageContaining("damaged")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("Exception"));
    }

    @Test
    void aTruncatedFileIsRefusedBeforeItIsRead(@TempDir Path dir) throws Exception {
        save(dir, new Gpt(CFG, 5));
        Path weights = dir.resolve(Checkpoint.WEIGHTS);
        long size = Files.size(weights);
        try (FileChannel ch = FileChannel.open(weights, StandardOpenOption.WRITE)) {
            ch.truncate(size - 4);
        }
        assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining(weights + " has " + (size - 4) + " bytes where checksums.json records " + size);
    }

    @Test
    void aMissingListedFileOrAGarbledListingIsRefused(@TempDir Path dir) throws Exception {
        save(dir, new Gpt(CFG, 5));
        Path listing = dir.resolve(CheckpointChecksums.FILE);
        String good = Files.readString(listing);
        Files.writeString(listing, "{\"algorithm\": \"crc32c\", \"files\": [");
        assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("cannot read " + listing).satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        Files.writeString(listing, good.replace("\"config.json\"", "\"gone.json\""));
        assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining(dir.resolve("gone.json") + " is missing");
    }

    @Test
    void aCheckpointWithoutChecksumsLoadsWithOneNoticeAndAHuggingFaceDirectoryWithout(@TempDir Path dir, @TempDir Path hf)
            throws Exception {
        Checkpoint.save(dir, new Gpt(CFG, 5));                 // no checksums.json, as from an older Quill
        Files.writeString(hf.resolve("config.json"), "{\"model_type\": \"gpt2\", \"n_layer\": 2}");
        Logger logger = (Logger) LoggerFactory.getLogger(CheckpointChecksums.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        Level level = logger.getLevel();
        logger.setLevel(Level.INFO);
        try {
            Checkpoint.load(dir);
            Checkpoint.load(dir);
            CheckpointChecksums.verify(hf);
        } finally {
            logger.setLevel(level);
            logger.detachAppender(events);
        }
        assertThat(events.list).hasSize(1);
        assertThat(events.list.get(0).getLevel()).isEqualTo(Level.INFO);
        assertThat(events.list.get(0).getFormattedMessage()).contains(dir.toString()).contains("unchecked");
    }

    @Test
    void aFlippedBitInALoraAdapterIsRefused(@TempDir Path dir) throws Exception {
        Gpt model = new Gpt(CFG, 5);
        Lora.apply(model, new LoraConfig(2, 4, 0.0, List.of("attn.c_attn")), new Rng(1));
        LoraCheckpoint.save(dir, model, null);
        CheckpointChecksums.writeAll(dir);
        Path adapter = dir.resolve(LoraCheckpoint.WEIGHTS);
        flipBit(adapter, 1, 7);
        assertThatThrownBy(() -> LoraCheckpoint.load(dir, new Gpt(CFG, 5))).isInstanceOf(BadInputException.class)
                .hasMessageContaining(adapter.toString()).hasMessageContaining("damaged");
    }
}
