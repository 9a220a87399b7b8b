package dev.quill.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.autograd.Rng;
import dev.quill.config.LoraConfig;
import dev.quill.config.ModelConfig;
import dev.quill.data.Gpt2Tokenizer;
import dev.quill.data.TokenFile;
import dev.quill.data.Tokenizer;
import dev.quill.model.Checkpoint;
import dev.quill.model.Gpt;
import dev.quill.model.Lora;
import dev.quill.model.LoraCheckpoint;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * The files Quill reads from other tools, damaged a few thousand ways each (seeded, so a failure repeats),
 * with the checks of {@link FileFuzzer}: a Hugging Face GPT-2 directory (config.json, the tokenizer in its
 * three forms, model.safetensors and a sharded index), a PEFT LoRA adapter on a Quill checkpoint, and a raw
 * int32 token file; and a config.json of either kind through a whole {@link Checkpoint#load}, so that sizes
 * it claims meet the weights (and {@code MemoryBudget}) rather than readConfig alone. Each case reads a fresh directory holding the damaged file beside intact copies (hard
 * links) of the files it goes with. A tokenizer that is accepted must also encode and decode a line.
 */
class ImportedFileFuzzTest {

    static final Path HF = Path.of("src/test/resources/hf");
    static final String LINE = "To be, or not to be: that is the question.\n";
    static final int TOKEN_VOCAB = 320;
    static Path root;
    /** Per reader: the directory of intact files a case starts from. */
    static final Map<String, Path> SOURCES = new ConcurrentHashMap<>();

    @BeforeContainer
    static void validFiles() throws Exception {
        root = Files.createTempDirectory("quill-fuzz-imported");
        SOURCES.put("hf", HF.resolve("tied_gelunew_prefixed"));
        SOURCES.put("sharded", HF.resolve("untied_gelunew_sharded"));
        Path openai = Files.createDirectories(root.resolve("openai"));    // OpenAI's names for the same files
        Files.copy(HF.resolve("tied_gelunew_prefixed/vocab.json"), openai.resolve("encoder.json"));
        Files.copy(HF.resolve("tied_gelunew_prefixed/merges.txt"), openai.resolve("vocab.bpe"));
        SOURCES.put("openai", openai);

        Path lora = Files.createDirectories(root.resolve("lora"));
        ModelConfig m = new ModelConfig(13, 8, 1, 2, 8, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-5,
                ModelConfig.Positions.LEARNED, true, ModelConfig.Activation.GELU, 4);
        Gpt model = new Gpt(m, 5);
        Checkpoint.save(lora, model);
        Lora.apply(model, new LoraConfig(2, 4, 0.0, List.of("attn.c_attn", "mlp.c_fc")), new Rng(1));
        LoraCheckpoint.save(lora, model, "base");
        SOURCES.put("lora", lora);
        Path quill = Files.createDirectories(root.resolve("quill"));
        Checkpoint.save(quill, new Gpt(m, 5));
        SOURCES.put("quill", quill);

        Path tokens = Files.createDirectories(root.resolve("tokens"));
        ByteBuffer ids = ByteBuffer.allocate(4 * 256).order(ByteOrder.LITTLE_ENDIAN);
        Random r = new Random(11);
        while (ids.hasRemaining()) {
            ids.putInt(r.nextInt(TOKEN_VOCAB));
        }
        Files.write(tokens.resolve("train.bin"), ids.array());
        SOURCES.put("tokens", tokens);
    }

    @AfterContainer
    static void cleanUp() throws Exception {
        deleteTree(root);
    }

    static void deleteTree(Path dir) throws Exception {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * Damages {@code name} of the source directory {@code source} in the way {@code kind} picks and reads the
     * fresh directory with {@code reader}.
     */
    static void fuzz(String source, String name, long seed, int kind, FileFuzzer.Reader reader) throws Exception {
        Path from = SOURCES.get(source);
        Path dir = Files.createDirectories(root.resolve(source + "-" + name + "-" + Long.toHexString(seed) + "-" + kind));
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                if (Files.isRegularFile(p) && !p.getFileName().toString().equals(name)) {
                    Files.createLink(dir.resolve(p.getFileName()), p.toAbsolutePath());
                }
            }
        }
        byte[] bytes = FileFuzzer.mutate(Files.readAllBytes(from.resolve(name)), kind, new Random(seed));
        try {
            FileFuzzer.check(dir.resolve(name), bytes, reader, source + "/" + name + " (seed " + seed + ", kind " + kind + ")");
        } finally {
            deleteTree(dir);
        }
    }

    /** A tokenizer that loads must work: a line encodes to ids of its vocabulary and decodes back. */
    static void usable(Tokenizer t) {
        int[] ids = t.encode(LINE);
        assertThat(java.util.Arrays.stream(ids).allMatch(id -> id >= 0 && id < t.vocabSize())).as("ids in the vocabulary").isTrue();
        t.decode(ids);
    }

    @Property(tries = 1500, seed = "7401")
    void hfConfig(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz("hf", "config.json", seed, kind, f -> Checkpoint.readConfig(f.getParent()));
    }

    @Property(tries = 1000, seed = "7412")
    void hfConfigThenWeights(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz("hf", "config.json", seed, kind, f -> Checkpoint.load(f.getParent()));
    }

    @Property(tries = 600, seed = "7413")
    void quillConfigThenWeights(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz("quill", Checkpoint.CONFIG, seed, kind, f -> Checkpoint.load(f.getParent()));
    }

    @Property(tries = 1500, seed = "7402")
    void hfVocabJson(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz("hf", "vocab.json", seed, kind, f -> {
            Files.delete(f.resolveSibling("tokenizer.json"));             // the two-file form is read only without it
            usable(Gpt2Tokenizer.load(f.getParent()));
        });
    }

    @Property(tries = 1500, seed = "7403")
    void hfMergesTxt(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz("hf", "merges.txt", seed, kind, f -> usable(Gpt2Tokenizer.load(f)));
    }

    @Property(tries = 500, seed = "7404")
    void openAiEncoderJson(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz("openai", "encoder.json", seed, kind, f -> usable(Tokenizer.fromDirectory(f.getParent())));
    }

    @Property(tries = 500, seed = "7405")
    void openAiVocabBpe(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz("openai", "vocab.bpe", seed, kind, f -> usable(Tokenizer.fromPath(f)));
    }

    @Property(tries = 1500, seed = "7406")
    void hfTokenizerJson(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz("hf", "tokenizer.json", seed, kind, f -> usable(Tokenizer.load(f)));
    }

    @Property(tries = 600, seed = "7407")
    void hfWeights(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz("hf", "model.safetensors", seed, kind, f -> Checkpoint.load(f.getParent()));
    }

    @Property(tries = 600, seed = "7408")
    void shardIndex(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz("sharded", "model.safetensors.index.json", seed, kind, f -> Checkpoint.load(f.getParent()));
    }

    @Property(tries = 300, seed = "7409")
    void adapterConfig(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz("lora", LoraCheckpoint.CONFIG, seed, kind, f -> Checkpoint.load(f.getParent()));
    }

    @Property(tries = 300, seed = "7410")
    void adapterWeights(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz("lora", LoraCheckpoint.WEIGHTS, seed, kind, f -> Checkpoint.load(f.getParent()));
    }

    @Property(tries = 1000, seed = "7411")
    void tokenFile(@ForAll long seed, @ForAll @IntRange(max = FileFuzzer.KINDS - 1) int kind) throws Exception {
        fuzz("tokens", "train.bin", seed, kind, f -> TokenFile.open(f, TOKEN_VOCAB));
    }
}
