package dev.quill.generate;

import dev.quill.autograd.Rng;
import dev.quill.config.BadInputException;
import dev.quill.data.Tokenizer;
import dev.quill.model.Checkpoint;
import dev.quill.model.DecoderWeights;
import dev.quill.model.Gpt;
import dev.quill.model.KvCache;
import dev.quill.model.WeightFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prompt text in, text out. Each step: logits of the last position ({@link CachedRunner} or
 * {@link FullRunner}), one id from the {@link SamplerChain}, the id decoded to complete characters
 * ({@link IncrementalDecoder}), the text checked against the stop sequences ({@link StopSequences}) and
 * the safe part handed to the streaming callback. Ends after max_new_tokens or at a stop sequence.
 *
 * <pre>{@code
 * var gen = Generator.load(Path.of("out/shakespeare"));
 * var cfg = GenerationConfig.of(500, SampleConfig.defaults()).withStop(List.of("\n\n"));
 * Completion c = gen.generate("ROMEO:", cfg, System.out::print);
 * }</pre>
 *
 * <p>Seeded: each prompt draws from {@code new Rng(sampling.seed())}, so the same seed and prompt give the
 * same text, alone or in a batch. Ids the tokenizer does not have (nanoGPT pads the vocabulary to a
 * multiple of 64) are never sampled. See {@link PromptEncoder} for empty and over-long prompts.
 *
 * <p>{@code Generator.load(dir).withWeights(WeightFormat.INT8)} decodes with weight-only int8 copies of the
 * projections and head ({@link DecoderWeights}), quantized once by that call: a quarter of the bytes read
 * per token. Int8 decodes one sequence with the KV cache (a batch of prompts, or the no-cache path, is
 * refused) on the CPU's Java kernels.
 */
public final class Generator {

    private static final Logger LOG = LoggerFactory.getLogger(Generator.class);

    private final Gpt model;
    private final Tokenizer tokenizer;
    private final DecoderWeights weights;   // the decoder's weights when not the default F32 ones, else null
    // the last call's KV cache, taken by the next call of the same batch: at GPT-2 124M its arrays are 75 MB,
    // which took ~0.2 s to allocate and clear before each first token (a generator keeps one cache alive)
    private final AtomicReference<KvCache> spareCache = new AtomicReference<>();

    /**
     * @param model     the model; switched to eval mode while generating, then back
     * @param tokenizer the model's tokenizer
     * @throws BadInputException when the tokenizer has more ids than the model
     */
    public Generator(Gpt model, Tokenizer tokenizer) {
        if (tokenizer.vocabSize() > model.config().vocabSize()) {
            throw new BadInputException("the tokenizer has " + tokenizer.vocabSize() + " ids but the model only "
                    + model.config().vocabSize() + ": they do not belong together");
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.weights = null;
    }

    private Generator(Generator g, DecoderWeights weights) {
        this.model = g.model;
        this.tokenizer = g.tokenizer;
        this.weights = weights;
    }

    /**
     * The same model and tokenizer, decoding with weights in another format. INT8 quantizes the model's
     * projections and head here, once (a snapshot: call again after the weights change).
     *
     * @param format F32 (the model's own weights) or INT8
     * @return a generator that decodes with those weights
     */
    public Generator withWeights(WeightFormat format) {
        return new Generator(this, format == WeightFormat.F32 ? null : DecoderWeights.of(model, format));
    }

    /** {@return the format of the weights this generator decodes with} */
    public WeightFormat weights() {
        return weights == null ? WeightFormat.F32 : weights.format();
    }

    /**
     * @param checkpointDir a directory with config.json, model.safetensors and tokenizer.json
     * @return a generator of the checkpoint's model and tokenizer
     * @throws BadInputException when the checkpoint is incomplete or inconsistent
     * @throws IOException       when reading fails for another reason
     */
    public static Generator load(Path checkpointDir) throws IOException {
        Gpt model = Checkpoint.load(checkpointDir);
        Tokenizer tokenizer = Tokenizer.fromDirectory(checkpointDir);
        return new Generator(model, tokenizer);
    }

    /**
     * As {@link #load(Path)}, then the LoRA adapter of {@code adapterDir} merged onto the weights; the
     * adapter must have been trained on this checkpoint's shape.
     *
     * @param checkpointDir a directory with config.json, model.safetensors and tokenizer.json
     * @param adapterDir    a directory with adapter_config.json and adapter.safetensors, or null for none
     * @return a generator of the checkpoint's model, adapter merged, and its tokenizer
     * @throws BadInputException when the checkpoint or adapter is incomplete, or the adapter's tensors do
     *                           not fit the model
     * @throws IOException       when reading fails for another reason
     */
    public static Generator load(Path checkpointDir, Path adapterDir) throws IOException {
        Generator g = load(checkpointDir);
        if (adapterDir != null) {
            Checkpoint.loadAdapter(g.model, adapterDir);
        }
        return g;
    }

    /** {@return the model generation runs, the instance itself (not a copy)} */
    public Gpt model() {
        return model;
    }

    /** {@return the model's tokenizer} */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * One prompt, no streaming.
     *
     * @param prompt the text to continue; empty starts from the start token
     * @param cfg    length, stop sequences, sampling
     * @return the generated text (without the prompt), its ids and why it ended
     * @throws BadInputException for prompt text outside the tokenizer's vocabulary
     */
    public Completion generate(String prompt, GenerationConfig cfg) {
        return generate(prompt, cfg, piece -> { });
    }

    /**
     * One prompt; {@code onText} receives each new piece of text as soon as it is decoded and cannot be part
     * of a stop sequence. The pieces concatenate to {@link Completion#text()}.
     *
     * @param prompt the text to continue; empty starts from the start token
     * @param cfg    length, stop sequences, sampling
     * @param onText receives the text as it is generated
     * @return the generated text (without the prompt), its ids and why it ended
     * @throws BadInputException for prompt text outside the tokenizer's vocabulary (the message names it)
     */
    public Completion generate(String prompt, GenerationConfig cfg, Consumer<String> onText) {
        int[] ids = PromptEncoder.encode(tokenizer, prompt, cfg.startToken(), model.config().blockSize());
        return run(new int[][] {ids}, cfg, List.of(onText))[0];
    }

    /**
     * A prompt given as token ids (a chat template's rendering, which holds special tokens that text
     * encoding would not produce). A prompt longer than block_size keeps its last block_size ids.
     *
     * @param promptIds the prompt's token ids, each in [0, tokenizer vocab size); at least one
     * @param cfg       length, stop sequences, sampling
     * @param onText    receives the text as it is generated, as for {@link #generate(String, GenerationConfig, Consumer)}
     * @return the generated text (without the prompt), its ids and why it ended
     * @throws BadInputException for an empty prompt or an id outside the tokenizer's vocabulary
     */
    public Completion generate(int[] promptIds, GenerationConfig cfg, Consumer<String> onText) {
        if (promptIds.length == 0) {
            throw new BadInputException("the prompt has no tokens");
        }
        for (int id : promptIds) {
            if (id < 0 || id >= tokenizer.vocabSize()) {
                throw new BadInputException("prompt id " + id + " is outside the vocabulary 0.." + (tokenizer.vocabSize() - 1));
            }
        }
        int block = model.config().blockSize();
        int[] ids = promptIds.length <= block ? promptIds : Arrays.copyOfRange(promptIds, promptIds.length - block, promptIds.length);
        return run(new int[][] {ids}, cfg, List.of(onText))[0];
    }

    /**
     * Several prompts. Prompts with the same number of tokens run together as one batch (they share
     * positions, so no padding or mask is needed); each group runs after the other. Every result equals
     * what {@link #generate(String, GenerationConfig)} gives for that prompt alone.
     *
     * @param prompts the texts to continue
     * @param cfg     length, stop sequences, sampling (each prompt's draws seeded alike)
     * @return one completion per prompt, in order
     * @throws BadInputException for a prompt outside the tokenizer's vocabulary (the message gives its number)
     */
    public List<Completion> generate(List<String> prompts, GenerationConfig cfg) {
        int[][] ids = new int[prompts.size()][];
        Map<Integer, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < ids.length; i++) {
            try {
                ids[i] = PromptEncoder.encode(tokenizer, prompts.get(i), cfg.startToken(), model.config().blockSize());
            } catch (BadInputException e) {
                throw new BadInputException("prompt " + (i + 1) + ": " + e.getMessage(), e);
            }
            groups.computeIfAbsent(ids[i].length, k -> new ArrayList<>()).add(i);
        }
        Completion[] out = new Completion[ids.length];
        for (List<Integer> group : groups.values()) {
            int[][] rows = group.stream().map(i -> ids[i]).toArray(int[][]::new);
            List<Consumer<String>> sinks = group.stream().<Consumer<String>>map(i -> piece -> { }).toList();
            Completion[] done = run(rows, cfg, sinks);
            for (int r = 0; r < rows.length; r++) {
                out[group.get(r)] = done[r];
            }
        }
        return Arrays.asList(out);
    }

    /** The loop, for B prompts of equal length. */
    private Completion[] run(int[][] prompts, GenerationConfig cfg, List<Consumer<String>> sinks) {
        boolean wasTraining = model.isTraining();
        model.train(false);
        try {
            return loop(prompts, cfg, sinks);
        } finally {
            model.train(wasTraining);
        }
    }

    private Completion[] loop(int[][] prompts, GenerationConfig cfg, List<Consumer<String>> sinks) {
        int b = prompts.length;
        int blockSize = model.config().blockSize();
        int refill = cfg.cacheRefill() == 0 ? CachedRunner.defaultRefill(blockSize) : Math.min(cfg.cacheRefill(), blockSize);
        SamplerChain chain = cfg.sampling().sampler();
        Row[] rows = new Row[b];
        for (int r = 0; r < b; r++) {
            rows[r] = new Row(cfg, sinks.get(r));
        }
        if (cfg.maxNewTokens() == 0) {
            return finish(rows, prompts[0].length);
        }
        if (weights != null && (b > 1 || !cfg.kvCache())) {
            throw new BadInputException(weights.format().name().toLowerCase() + " weights decode one sequence with the KV cache: "
                    + (b > 1 ? b + " prompts at once" : "the cache is off") + " would run on the F32 weights");
        }
        ContextRunner runner = cfg.kvCache() ? new CachedRunner(model, prompts, refill, weights, spareCache.getAndSet(null))
                : new FullRunner(model, prompts);
        try {
            return decode(runner, rows, cfg, chain, prompts[0].length);
        } finally {
            if (runner instanceof CachedRunner cached) {
                spareCache.set(cached.cache());     // the next call's arrays (calls at the same time each make their own)
            }
        }
    }

    private Completion[] decode(ContextRunner runner, Row[] rows, GenerationConfig cfg, SamplerChain chain, int promptTokens) {
        int b = rows.length;
        long t0 = System.nanoTime();
        float[][] logits = runner.start();
        int steps = 0;
        for (int step = 0; step < cfg.maxNewTokens(); step++) {
            int[] next = new int[b];
            boolean anyLive = false;
            for (int r = 0; r < b; r++) {
                Row row = rows[r];
                if (row.done) {
                    continue;                       // a finished row keeps being fed id 0; its output is ignored
                }
                double[] x = Logits.widen(logits[r]);
                Arrays.fill(x, tokenizer.vocabSize(), x.length, Double.NEGATIVE_INFINITY); // padded ids
                next[r] = chain.sample(x, row.generated, row.count, row.rng);
                row.accept(next[r]);
                anyLive |= !row.done;
            }
            steps++;
            if (!anyLive || step == cfg.maxNewTokens() - 1) {
                break;
            }
            logits = runner.append(next);
        }
        if (LOG.isDebugEnabled()) {
            double s = (System.nanoTime() - t0) / 1e9;
            LOG.debug("generated {} steps x {} rows in {} s ({} tokens/s, cache {})", steps, b, String.format("%.3f", s),
                    String.format("%.1f", steps * b / s), cfg.kvCache());
        }
        return finish(rows, promptTokens);
    }

    private Completion[] finish(Row[] rows, int promptTokens) {
        Completion[] out = new Completion[rows.length];
        for (int r = 0; r < rows.length; r++) {
            out[r] = rows[r].finish(promptTokens);
        }
        return out;
    }

    /** One prompt's state: its RNG, generated ids, decoder and stop matcher. */
    private final class Row {
        final Rng rng;
        final IncrementalDecoder decoder = new IncrementalDecoder(tokenizer);
        final StopSequences stops;
        final Consumer<String> sink;
        int[] generated;
        int count;
        boolean done;

        Row(GenerationConfig cfg, Consumer<String> sink) {
            this.rng = new Rng(cfg.sampling().seed());
            this.stops = new StopSequences(cfg.stop());
            this.sink = sink;
            this.generated = new int[Math.min(cfg.maxNewTokens(), 1 << 16) + 1];
        }

        void accept(int id) {
            if (count == generated.length) {
                generated = Arrays.copyOf(generated, 2 * count);
            }
            generated[count++] = id;
            emit(stops.offer(decoder.push(id)));
            done = stops.stopped();
        }

        Completion finish(int promptTokens) {
            if (!stops.stopped()) {
                emit(stops.offer(decoder.flush()));
                emit(stops.finish());
            }
            return new Completion(stops.text(), Arrays.copyOf(generated, count), promptTokens,
                    stops.stopped() ? Completion.Reason.STOP_SEQUENCE : Completion.Reason.MAX_TOKENS);
        }

        private void emit(String piece) {
            if (!piece.isEmpty()) {
                sink.accept(piece);
            }
        }
    }
}
