package dev.quill.generate;

import dev.quill.model.Gpt;

/**
 * No cache: every step runs the whole context, cropped to its last block_size tokens at positions
 * 0 .. T-1, and keeps the last position's logits. This is nanoGPT's {@code generate}
 * ({@code idx_cond = idx[:, -block_size:]}) and the oracle the cached path is tested against. Cost per
 * token: a forward of up to block_size positions.
 */
final class FullRunner extends ContextRunner {

    FullRunner(Gpt model, int[][] prompts) {
        super(model, prompts);
    }

    @Override
    float[][] start() {
        return forwardWindow();
    }

    @Override
    float[][] append(int[] next) {
        push(next);
        return forwardWindow();
    }

    private float[][] forwardWindow() {
        int to = length();
        int from = Math.max(0, to - blockSize);
        return lastLogits(() -> model.forward(ids(from, to)));                     // (B, T, V) -> (B, V)
    }
}
