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

    /** {@return the module whose parameters are trained} */
    Module module();

    /**
     * @param batch one batch of inputs and targets
     * @return the mean loss on it, a scalar (the trainer sets training or eval mode before calling)
     */
    Tensor loss(Batch batch);

    /** {@return the generator of the model's dropout masks; its state is saved for exact resume} */
    Rng rng();

    /**
     * Writes the model (config, weights, tokenizer) into {@code dir}.
     *
     * @param dir an existing, empty directory
     * @throws IOException when a file cannot be written
     */
    void save(Path dir) throws IOException;

    /**
     * Reads the weights written by {@link #save} into the module.
     *
     * @param dir a directory {@link #save} wrote
     * @throws IOException when reading fails
     */
    void load(Path dir) throws IOException;

    /**
     * The bytes one micro-batch's memory scope is expected to hold, reserved before the first step so that it
     * does not learn them ({@link dev.quill.autograd.MemoryScope#open(String, long)}); 0 (the default) lets
     * the first step learn them.
     *
     * @param tokens the micro-batch's tokens on this process
     * @return the expected bytes, or 0
     */
    default long stepScopeBytes(long tokens) {
        return 0;
    }

    /**
     * {@return the model FLOPs of training on one token, for MFU in the metrics; NaN (the default) leaves
     * MFU out}
     */
    default double flopsPerToken() {
        return Double.NaN;
    }
}
