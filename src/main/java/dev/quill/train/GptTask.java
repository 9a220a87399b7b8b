package dev.quill.train;

import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.data.Batch;
import dev.quill.data.Tokenizer;
import dev.quill.model.Checkpoint;
import dev.quill.model.Gpt;
import dev.quill.model.Module;
import dev.quill.model.Safetensors;
import java.io.IOException;
import java.nio.file.Path;

/** Training a {@link Gpt}: next-token cross-entropy, checkpoints with the model's tokenizer beside them. */
public final class GptTask implements TrainTask {

    private final Gpt model;
    private final Tokenizer tokenizer;

    /**
     * @param model     the GPT to train
     * @param tokenizer written beside each checkpoint; may be null (then no tokenizer.json is written)
     */
    public GptTask(Gpt model, Tokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
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
        if (tokenizer != null) {
            tokenizer.save(dir.resolve(Checkpoint.TOKENIZER));
        }
    }

    @Override
    public void load(Path dir) throws IOException {
        Path weights = dir.resolve(Checkpoint.WEIGHTS);
        model.loadState(Safetensors.read(weights).tensors(), false, weights.toString());
    }
}
