package dev.quill.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.autograd.Backend;
import dev.quill.autograd.Rng;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.config.ModelConfig;
import dev.quill.config.RunConfig;
import dev.quill.data.BpeTokenizer;
import dev.quill.data.CharTokenizer;
import dev.quill.data.Corpora;
import dev.quill.data.DuplicateLines;
import dev.quill.data.TokenSplit;
import dev.quill.data.Tokenizer;
import dev.quill.data.Tokens;
import dev.quill.data.sft.ChatTemplate;
import dev.quill.data.sft.SftDataset;
import dev.quill.model.Checkpoint;
import dev.quill.model.CheckpointChecksums;
import dev.quill.model.FineTuneFootprint;
import dev.quill.model.FiniteWeights;
import dev.quill.model.Gpt;
import dev.quill.model.Lora;
import dev.quill.model.MemoryBudget;
import dev.quill.model.Safetensors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole run from a {@link RunConfig}: read the text, make or load the tokenizer, split the tokens,
 * build (or resume, or initialize from a checkpoint) the GPT, and train it with a {@link Trainer} into an
 * output directory that also gets {@code run.json}, the run's record. With an {@code sft} section the run
 * is instruction tuning: the chat template's markers join the tokenizer (the embedding grows to match),
 * and batches are conversations with assistant-only targets, mixed with the text at {@code mix_ratio}
 * ({@link SftData}). With a {@code lora} section every weight is frozen and low-rank adapters train.
 */
public final class TrainingRun {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);

    private final RunConfig config;
    private final Path outDir;
    private final boolean resume;
    private final Tokenizer tokenizer;
    private final GptTask task;
    private final Trainer trainer;
    private final ObjectNode record;
    private final Tokens trainTokens;
    private final boolean writer;

    private TrainingRun(RunConfig config, Path outDir, boolean resume, Tokenizer tokenizer, GptTask task, Trainer trainer,
                        ObjectNode record, Tokens trainTokens, boolean writer) {
        this.writer = writer;
        this.trainTokens = trainTokens;
        this.config = config;
        this.outDir = outDir;
        this.resume = resume;
        this.tokenizer = tokenizer;
        this.task = task;
        this.trainer = trainer;
        this.record = record;
    }

    /**
     * Prepares everything; nothing is written to {@code outDir} until {@link #run()}.
     *
     * @param cfg    the run's config
     * @param outDir the output directory
     * @param resume continue from {@code outDir/last}
     * @return the prepared run
     * @throws BadInputException for unusable data, a missing checkpoint to resume, a config that does not
     *                           match it, or a model that cannot fit in memory ({@link MemoryBudget})
     * @throws IOException       when reading fails for another reason
     */
    public static TrainingRun prepare(RunConfig cfg, Path outDir, boolean resume) throws IOException {
        return prepare(cfg, outDir, resume, Collective.single());
    }

    /**
     * Prepares one process's part of a data-parallel run: {@code train.batch_size} is per process, so the
     * global batch is batch_size x world size; every process must be given the same config and code, which
     * is checked here (a fingerprint of the resolved config and the model's shapes, compared with rank 0's).
     *
     * @param cfg    the run's config, the same on every process
     * @param outDir the output directory, written by rank 0 only
     * @param resume continue from {@code outDir/last}
     * @param group  the processes that train together
     * @return the prepared run
     * @throws BadInputException as {@link #prepare(RunConfig, Path, boolean)}, and when the processes differ
     * @throws IOException       when reading fails for another reason
     */
    public static TrainingRun prepare(RunConfig cfg, Path outDir, boolean resume, Collective group) throws IOException {
        Backend.logOnce();
        // a shape that cannot fit fails now, not after reading and tokenizing the data (checked again below
        // with the vocabulary and the checkpoint's shape resolved)
        MemoryBudget.checkTraining(cfg.model(), cfg.train().batchSize(), cfg.lora() != null);
        int processes = group.worldSize();
        Path dataPath = cfg.data().path() == null ? null : Path.of(cfg.data().path());
        Path resolvedData = Corpora.fileOrTinyShakespeare(dataPath);
        String text = Corpora.readText(resolvedData);
        if (cfg.data().dedup()) {
            text = DuplicateLines.remove(text);
        }
        Path last = resume ? new CheckpointStore(outDir).resolve("last") : null;
        if (resume && last == null) {
            throw new BadInputException("--resume: no checkpoint to resume in " + outDir.resolve("last"));
        }
        Path initFrom = "scratch".equals(cfg.train().initFrom()) ? null : Path.of(cfg.train().initFrom());
        if (last != null) {                            // the trainer checks the rest of last/ when it resumes
            CheckpointChecksums.verify(last, java.util.List.of(Checkpoint.CONFIG, Checkpoint.TOKENIZER));
        } else if (initFrom != null) {
            CheckpointChecksums.verify(initFrom, java.util.List.of(Checkpoint.CONFIG, Checkpoint.TOKENIZER, Checkpoint.WEIGHTS));
        }
        Tokenizer tokenizer;
        if (last != null && Files.exists(last.resolve(Checkpoint.TOKENIZER))) {
            tokenizer = Tokenizer.load(last.resolve(Checkpoint.TOKENIZER));
        } else if (initFrom != null) {
            tokenizer = Tokenizer.fromDirectory(initFrom);   // Quill's tokenizer.json or a Hugging Face directory's files
        } else if ("bpe".equals(cfg.data().tokenizer())) {
            tokenizer = BpeTokenizer.train(text, BpeTokenizer.Options.of(cfg.data().vocabSize()));
        } else {
            tokenizer = CharTokenizer.train(text);
        }
        ChatTemplate template = null;
        if (cfg.sft() != null) {                       // instruction tuning: the template's markers join the vocabulary
            template = ChatTemplate.create(cfg.sft().template(), tokenizer);
            tokenizer = template.tokenizer();
        }
        Tokens tokens = Tokens.of(tokenizer.encode(text));
        TokenSplit split = TokenSplit.of(tokens, cfg.data().valFraction());
        LOG.info("data: {} characters, {} tokens ({} train, {} val), vocabulary {}", text.length(), tokens.size(),
                split.train().size(), split.val().size(), tokenizer.vocabSize());
        if (split.train().size() < cfg.model().blockSize() + 1L) {
            throw new BadInputException("the training text has " + split.train().size() + " tokens, fewer than block_size + 1 = "
                    + (cfg.model().blockSize() + 1) + "; use more text or a smaller model.block_size");
        }
        ModelConfig modelCfg = resolveVocab(cfg, tokenizer);
        ModelConfig saved = null;                      // the shape of the checkpoint this run starts from
        if (initFrom != null || last != null) {
            saved = Checkpoint.readConfig(last != null ? last : initFrom);
            if (!cfg.modelGiven()) {
                modelCfg = saved.withVocabSize(modelCfg.vocabSize());   // no model section: the checkpoint's shape
            }
            if (!saved.equals(modelCfg.withVocabSize(saved.vocabSize()))) {
                throw new BadInputException("the model config differs from the checkpoint's in " + (last != null ? last : initFrom)
                        + ": checkpoint " + saved.toJson() + ", config " + modelCfg.toJson());
            }
            // a tokenizer that gained special tokens (a chat template's) grows the embedding; new rows start at init
            modelCfg = saved.vocabSize() >= tokenizer.vocabSize() ? saved : saved.withVocabSize(tokenizer.vocabSize());
        }
        MemoryBudget.checkTraining(modelCfg, cfg.train().batchSize(), cfg.lora() != null);
        RunConfig resolved = cfg.withModel(modelCfg);
        // a Hugging Face base of the same shape and vocabulary loads straight into place, with no random init
        // first (about 20 s and a second copy of the weights at GPT-2 size); its config has no dropout
        boolean loadWhole = initFrom != null && last == null && modelCfg.equals(saved) && Checkpoint.isHuggingFace(initFrom);
        Gpt model = loadWhole ? Checkpoint.load(initFrom) : new Gpt(modelCfg, new Rng(cfg.train().seed()), DataType.FLOAT);
        if (loadWhole) {
            LOG.info("initialized from {}", initFrom);
        } else if (initFrom != null && last == null) {
            Path w = initFrom.resolve(Checkpoint.WEIGHTS);
            model.loadStateWithNewTokens(initialState(initFrom), w.toString());
            LOG.info("initialized from {}", initFrom);
        }
        model.logParameterCount();
        if (cfg.lora() != null) {                      // freeze every weight, train low-rank adapters beside them
            Lora.apply(model, cfg.lora(), new Rng(cfg.train().seed() * 31 + 7));
            if (cfg.lora().trainEmbeddings()) {        // PEFT's modules_to_save: the (tied) embedding trains in full
                for (String name : java.util.List.of("transformer.wte.weight", "lm_head.weight")) {
                    if (model.parameters().containsKey(name)) {
                        model.parameters().get(name).requiresGrad(true);
                    }
                }
            }
            LOG.info("LoRA: {}", FineTuneFootprint.of(model).describe());
        }
        GptTask task = new GptTask(model, tokenizer, initFrom == null ? null : initFrom.toString());
        TrainData data;
        SftDataset sft = null;
        if (cfg.sft() != null) {
            sft = SftDataset.load(cfg.sft(), template, modelCfg.blockSize());
            data = new SftData(sft, split.train(), cfg.train().batchSize() * processes, cfg.sft().mixRatio());
            LOG.info("sft batches: {} rows a batch, of which {} of plain text on average (mix_ratio)", cfg.train().batchSize(),
                    cfg.train().batchSize() * cfg.sft().mixRatio());
        } else {
            data = new WindowData(split.train(), split.val(), cfg.train().batchSize() * processes, modelCfg.blockSize());
        }
        Trainer trainer = new Trainer(cfg.train(), task, data, outDir).collective(group);
        new DataParallel(group).requireSame("config, model shapes or Quill build", RunFingerprint.of(resolved, model, gitCommit()));
        ObjectNode record = ConfigJson.object();
        record.put("name", cfg.name());
        record.set("config", resolved.toJson());
        record.put("seed", cfg.train().seed());
        record.put("world_size", processes);
        record.put("data_path", resolvedData.toAbsolutePath().toString());
        // the default corpus's hash is the one it was checked against above: not read twice
        record.put("data_sha256", dataPath != null ? sha256(resolvedData) : Corpora.TINY_SHAKESPEARE.sha256());
        record.put("tokenizer", tokenizer.type()).put("vocab_size", tokenizer.vocabSize());
        record.put("parameters", model.parameterCount()).put("parameters_without_positions", model.parameterCountWithoutPositions());
        record.put("tokens_train", split.train().size()).put("tokens_val", split.val().size());
        record.put("trainable_parameters", model.trainableParameters().values().stream().mapToLong(p -> p.value().length()).sum());
        if (sft != null) {
            record.put("sft_summary", sft.summary().summary());
            record.put("sft_train_conversations", sft.train().size()).put("sft_val_conversations", sft.val().size());
        }
        if (cfg.lora() != null) {
            record.put("lora_footprint", FineTuneFootprint.of(model).describe());
        }
        record.put("git_commit", gitCommit());
        record.put("java", System.getProperty("java.version"));
        ObjectNode backend = record.putObject("backend");
        Backend.describe().forEach(backend::put);
        return new TrainingRun(resolved, outDir, resume, tokenizer, task, trainer, record, split.train(), group.rank() == 0);
    }

    /**
     * The weights to start from, under Quill's names: a Quill checkpoint's file as it is, or a Hugging Face
     * GPT-2 directory loaded (Conv1D transposed, halves widened) and read back from the model.
     */
    private static Map<String, INDArray> initialState(Path initFrom) throws IOException {
        if (!Checkpoint.isHuggingFace(initFrom)) {
            Path w = initFrom.resolve(Checkpoint.WEIGHTS);
            Map<String, INDArray> state = Safetensors.read(w).tensors();
            FiniteWeights.check(state, w);
            return state;
        }
        Map<String, INDArray> state = new java.util.LinkedHashMap<>();   // Checkpoint.load has checked them
        Checkpoint.load(initFrom).parameters().forEach((name, p) -> state.put(name, p.value()));
        return state;
    }

    private static ModelConfig resolveVocab(RunConfig cfg, Tokenizer tokenizer) {
        int v = tokenizer.vocabSize();
        if (cfg.vocabSizeExplicit()) {
            if (cfg.model().vocabSize() < v) {
                throw new BadInputException("model.vocab_size = " + cfg.model().vocabSize() + " is smaller than the tokenizer's "
                        + v + "; remove it (the tokenizer decides) or make it at least " + v);
            }
            return cfg.model();
        }
        return cfg.model().withVocabSize(v);
    }

    /** {@return an LR range test on this run's model and training tokens (the model is restored afterwards)} */
    public LrFinder lrFinder() {
        return new LrFinder(config.train(), task, trainTokens, config.model().blockSize());
    }

    /** {@return the trainer, e.g. to add a listener before {@link #run()}} */
    public Trainer trainer() {
        return trainer;
    }

    /** {@return the model being trained, with its tokenizer} */
    public GptTask task() {
        return task;
    }

    /** {@return the tokenizer: trained on the text, read from the resumed checkpoint, or from init_from} */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** {@return the config as resolved (vocabulary from the tokenizer, or the checkpoint's model)} */
    public RunConfig config() {
        return config;
    }

    /**
     * Trains; writes run.json at the start and again, with the results, at the end.
     *
     * @return how the run ended
     * @throws IOException when run.json, a checkpoint or the metrics cannot be written
     */
    public Trainer.Result run() throws IOException {
        if (writer) {
            Files.createDirectories(outDir);
        }
        record.put("start", Instant.now().toString());
        writeRecord();
        Trainer.Result r = trainer.run(resume);
        record.put("end", Instant.now().toString());
        record.put("stop", r.stop().name().toLowerCase()).put("step", r.step());
        putFinite(record, "final_train_loss", r.trainLoss());
        putFinite(record, "final_val_loss", r.valLoss());
        putFinite(record, "best_val_loss", r.bestValLoss());
        writeRecord();
        return r;
    }

    private void writeRecord() throws IOException {
        if (!writer) {                                 // in a data-parallel run, rank 0 writes
            return;
        }
        Path tmp = outDir.resolve("run.json.tmp");
        Files.writeString(tmp, ConfigJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(record) + "\n");
        Files.move(tmp, outDir.resolve("run.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static void putFinite(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            return "unavailable";
        }
    }

    /** The git commit of the working directory, when it is a git checkout; else "unknown". */
    static String gitCommit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.waitFor() == 0 && out.matches("[0-9a-f]{40}") ? out : "unknown";
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }
}
