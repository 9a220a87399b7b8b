package dev.quill.train;

import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.data.Batch;
import dev.quill.model.Module;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What the {@link Trainer} needs from a model, and nothing more: its parameters (as a {@link Module}), a
 * loss on a batch, its random stream (dropout), and a way to write and read its weights. {@link GptTask}
 * is the GPT's; a different model plugs in the same way.
 */
public interface TrainTask {

    /** The module whose parameters are trained. */
    Module module();

    /** The mean loss on one batch (the trainer sets training or eval mode before calling it). */
    Tensor loss(Batch batch);

    /** The generator of the model's dropout masks; its state is saved for exact resume. */
    Rng rng();

    /** Writes the model (config, weights, tokenizer) into {@code dir}. */
    void save(Path dir) throws IOException;

    /** Reads the weights written by {@link #save} into the module. */
    void load(Path dir) throws IOException;
}
