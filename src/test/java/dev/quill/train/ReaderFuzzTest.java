package dev.quill.train;

import dev.quill.config.ModelConfig;
import dev.quill.config.RunConfig;
import dev.quill.data.BpeTokenizer;
import dev.quill.data.CharTokenizer;
import dev.quill.data.Tokenizer;
import dev.quill.data.sft.ConversationReader;
import dev.quill.model.Checkpoint;
import dev.quill.model.CheckpointChecksums;
import dev.quill.model.Gpt;
import dev.quill.model.Safetensors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Every file Quill reads from others, damaged a few thousand ways each (seeded, so a failure repeats): the
 * reader accepts the file or refuses it in one line naming it ({@link FileFuzzer}).
 */
class ReaderFuzzTest {

    static final String TEXT = "To be, or not to be, that is the question:\nWhether 'tis nobler in the mind to suffer\n"
            + "The slings and arrows of outrageous fortune,\nOr to take arms against a sea of troubles\n";
    static Path root;
    static final Map<String, byte[]> VALID = new ConcurrentHashMap<>();

    @BeforeContainer
    static void validFiles() throws Exception {
        root = Files.createTempDirectory("quill-fuzz");
        Path ckpt = Files.createDirectories(root.resolve("valid-checkpoint"));
        ModelConfig m = new ModelConfig(13, 8, 1, 2, 8, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-5,
                ModelConfig.Positions.LEARNED, true, ModelConfig.Activation.GELU, 4);
        Checkpoint.save(ckpt, new Gpt(m, 5));
        new TrainState(40, 123456789L, -987654321L, 2.5, 1, 2.7, 12.5).write(ckpt);
        CharTokenizer.train(TEXT).save(ckpt.resolve("char.json"));
        BpeTokenizer.train(TEXT.repeat(4), BpeTokenizer.Options.of(280)).save(ckpt.resolve("bpe.json"));
        CheckpointChecksums.writeAll(ckpt);
        for (String f : List.of(Checkpoint.WEIGHTS, Checkpoint.CONFIG, TrainState.FILE, "char.json", "bpe.json",
                CheckpointChecksums.FILE)) {
            VALID.put(f, Files.readAllBytes(ckpt.resolve(f)));
        }
        VALID.put("run.json", Files.readAllBytes(Path.of("examples/shakespeare-char-baby.json")));
        VALID.put("chat.jsonl", ("{\"messages\": [{\"role\": \"user\", \"content\": \"Who wrote it?\"}, "
                + "{\"role\": \"assistant\", \"content\": \"Shakespeare.\"}]}\n"
                + "{\"prompt\": \"Say \\u00e9 twice\", \"response\": \"\u00e9 \u00e9\"}\n").getBytes(StandardCharsets.UTF_8));
    }

    @AfterContainer
    static void cleanUp() throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** A fresh directory holding the damaged file under {@code name}, beside intact copies of the others. */
    static Path damaged(String name, long seed, int kind) throws Exception {
        Path dir = Files.createDirectories(root.resolve(name + "-" + Long.toHexString(seed) + "-" + kind));
        if (name.equals(CheckpointChecksums.FILE)) {                // the files it lists, intact
            for (var e : VALID.entrySet()) {
                Files.write(dir.resolve(e.getKey()), e.getValue());
            }
        }
        return dir.resolve(name);
    }

    static void fuzz(String name, long seed, int kind, FileFuzzer.Reader reader) throws Exception {
        Path file = damaged(name, seed, kind);
        byte[] bytes = FileFuzzer.mutate(VALID.get(name), kind, new Random(seed));
        try {
            FileFuzzer.check(file, bytes, reader, name + " (seed " + seed + ", kind " + kind + ")");
        } finally {
            try (Stream<Path> s = Files.list(file.getParent())) {
                for (Path p : s.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(file.getParent());
        }
    }

    @Property(tries = 3000, seed = "7301")
    void safetensors(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz(Checkpoint.WEIGHTS, seed, kind, f -> Safetensors.read(f));
    }

    @Property(tries = 2000, seed = "7302")
    void checkpointConfig(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz(Checkpoint.CONFIG, seed, kind, f -> Checkpoint.readConfig(f.getParent()));
    }

    @Property(tries = 2000, seed = "7303")
    void charTokenizer(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz("char.json", seed, kind, Tokenizer::load);
    }

    @Property(tries = 2000, seed = "7304")
    void bpeTokenizer(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz("bpe.json", seed, kind, Tokenizer::load);
    }

    @Property(tries = 2000, seed = "7305")
    void trainerState(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz(TrainState.FILE, seed, kind, f -> TrainState.read(f.getParent()));
    }

    @Property(tries = 2000, seed = "7306")
    void runConfig(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz("run.json", seed, kind, f -> RunConfig.load(f, List.of()));
    }

    @Property(tries = 1500, seed = "7307")
    void checksums(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz(CheckpointChecksums.FILE, seed, kind, f -> CheckpointChecksums.verify(f.getParent()));
    }

    @Property(tries = 2000, seed = "7308")
    void conversations(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz("chat.jsonl", seed, kind, f -> ConversationReader.read(f, "auto", false));
    }
}
