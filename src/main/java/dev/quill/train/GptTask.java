package dev.quill.train;

import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.data.Batch;
import dev.quill.data.Tokenizer;
import dev.quill.model.Checkpoint;
import dev.quill.model.FiniteWeights;
import dev.quill.model.Gpt;
import dev.quill.model.LoraCheckpoint;
import dev.quill.model.MemoryBudget;
import dev.quill.model.Module;
import dev.quill.model.Safetensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Training a {@link Gpt}: next-token cross-entropy, checkpoints with the model's tokenizer beside them. */
public final class GptTask implements TrainTask {

    private final Gpt model;
    private final Tokenizer tokenizer;
    private final String adapterBase;

    /**
     * @param model     the GPT to train
     * @param tokenizer written beside each checkpoint; may be null (then no tokenizer.json is written)
     */
    public GptTask(Gpt model, Tokenizer tokenizer) {
        this(model, tokenizer, null);
    }

    /**
     * A task whose model may carry LoRA adapters: checkpoints then hold the (frozen) base weights in
     * model.safetensors and the adapters in adapter.safetensors and adapter_config.json, whose
     * {@code base_model_name_or_path} is {@code adapterBase}.
     *
     * @param model       the GPT to train, with or without adapters
     * @param tokenizer   written beside each checkpoint; may be null (then no tokenizer.json is written)
     * @param adapterBase names the checkpoint the base weights came from (its directory, say); null for none,
     *                    and unused when the model has no adapters
     */
    public GptTask(Gpt model, Tokenizer tokenizer, String adapterBase) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.adapterBase = adapterBase;
    }

    /** {@return the GPT being trained} */
    public Gpt model() {
        return model;
    }

    @Override
    public Module module() {
        return model;
    }

    @Override
    public long stepScopeBytes(long tokens) {
        return MemoryBudget.stepScopeBytes(model.config(), (int) (tokens / model.config().blockSize()));
    }

    @Override
    public double flopsPerToken() {
        return model.flopsPerToken();
    }

    @Override
    public Tensor loss(Batch batch) {
        return model.loss(batch.inputs(), batch.targets());
    }

    @Override
    public Rng rng() {
        return model.rng();
    }

    @Override
    public void save(Path dir) throws IOException {
        Checkpoint.save(dir, model);
        if (model.hasAdapters()) {
            LoraCheckpoint.save(dir, model, adapterBase);
        }
        if (tokenizer != null) {
            tokenizer.save(dir.resolve(Checkpoint.TOKENIZER));
        }
    }

    @Override
    public void load(Path dir) throws IOException {
        Path weights = dir.resolve(Checkpoint.WEIGHTS);
        Map<String, INDArray> state = new LinkedHashMap<>(Safetensors.read(weights).tensors());
        if (model.hasAdapters()) {                              // the adapters' own file, PEFT names -> ours
            Safetensors.read(dir.resolve(LoraCheckpoint.WEIGHTS)).tensors()
                    .forEach((name, t) -> state.put(name.substring(LoraCheckpoint.PREFIX.length()), t));
        }
        FiniteWeights.check(state, weights);
        model.loadState(state, false, weights.toString());
    }
}
