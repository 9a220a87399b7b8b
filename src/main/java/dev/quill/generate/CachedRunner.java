package dev.quill.generate;

import dev.quill.autograd.GradMode;
import dev.quill.model.DecoderWeights;
import dev.quill.model.Gpt;
import dev.quill.model.KvCache;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * With a KV cache: the prompt is fed once, then each step feeds one position (B, 1) and attends to the
 * cached keys and values of all earlier positions.
 *
 * <p>The sliding window, exactly: positions are absolute within the cache, 0 .. block_size - 1. While the
 * context has at most block_size tokens, every step's logits equal the full forward's (to fp32 rounding).
 * When the cache is full and one more token arrives, the window slides: the cache is cleared and the last
 * {@code refill} tokens of the context (the new one included) are fed again at positions 0 .. refill - 1,
 * which rebuilds their keys and values for the new window; the next block_size - refill steps are single
 * positions again. The default refill is half of block_size ({@link #defaultRefill}): right after a slide
 * the model sees block_size / 2 tokens of context, growing back to block_size before the next slide, and
 * one slide's cost (a forward of block_size / 2 positions) is spread over block_size / 2 tokens.
 *
 * <p>With refill = block_size the result is exactly nanoGPT's crop {@code idx[:, -block_size:]}: the logits
 * equal the no-cache path at every step, past block_size too. But once the context is longer than
 * block_size, dropping the oldest token shifts every position, so nothing cached can be reused and every
 * step costs a full window (from then on the step is a plain forward of the window and the cache is left
 * alone): many times slower, which is why it is not the default.
 */
final class CachedRunner extends ContextRunner {

    private final KvCache cache;
    private final int refill;

    /** The refill used when the configuration leaves it at 0: half of block_size, at least 1. */
    static int defaultRefill(int blockSize) {
        return Math.max(1, blockSize / 2);
    }

    /** @param refill tokens re-fed when the window slides, 1 .. block_size; the model's F32 weights */
    CachedRunner(Gpt model, int[][] prompts, int refill) {
        this(model, prompts, refill, null);
    }

    /**
     * @param refill  tokens re-fed when the window slides, 1 .. block_size
     * @param weights the Java decoder's weights for one sequence, or null for the model's F32 ones
     */
    CachedRunner(Gpt model, int[][] prompts, int refill, DecoderWeights weights) {
        this(model, prompts, refill, weights, null);
    }

    /**
     * @param refill  tokens re-fed when the window slides, 1 .. block_size
     * @param weights the Java decoder's weights for one sequence, or null for the model's F32 ones
     * @param spare   an earlier runner's cache of this model to reuse when its batch is this one's ({@link
     *                KvCache#reuse}), or null
     */
    CachedRunner(Gpt model, int[][] prompts, int refill, DecoderWeights weights, KvCache spare) {
        super(model, prompts);
        if (refill < 1 || refill > blockSize) {
            throw new IllegalArgumentException("cache refill must be in 1 .. block_size = " + blockSize + ", got " + refill);
        }
        this.refill = refill;
        this.cache = spare != null && spare.batch() == batch && spare.capacity() == blockSize
                ? spare.reuse(weights) : new KvCache(model.config(), batch, DataType.FLOAT, weights);
    }

    /** {@return the cache this runner fills} */
    KvCache cache() {
        return cache;
    }

    @Override
    float[][] start() {
        cache.clear();
        return feed(0, length());
    }

    @Override
    float[][] append(int[] next) {
        push(next);
        int to = length();
        if (cache.length() < cache.capacity()) {
            return feed(to - 1, to);
        }
        if (refill == blockSize) {
            // Exact slide: clearing and re-feeding block_size tokens would fill the cache again, and the next
            // step would have to slide again. So the cache is left full and unused, and this step is the
            // plain forward of the window: the same numbers, without writing keys and values no step reads.
            return lastLogits(() -> model.forward(ids(to - blockSize, to)));       // (B, T, V) -> (B, V)
        }
        cache.clear();                                                             // slide: positions restart at 0
        return feed(to - refill, to);
    }

    /**
     * Feeds context positions [from, to) through the cache; returns the logits (B, V) after the last. One
     * sequence goes in and out as Java arrays ({@link Gpt#lastLogits(int[], KvCache)}), several as a batch.
     */
    @SuppressWarnings("try")
    private float[][] feed(int from, int to) {
        if (batch == 1) {
            try (var g = GradMode.off()) {
                return new float[][] {model.lastLogits(row(0, from, to), cache)};          // (1, V)
            }
        }
        return lastLogits(() -> model.forward(ids(from, to), cache));                  // (B, t, V) -> (B, V)
    }

    /** Positions filled in the cache (for tests). */
    int cacheLength() {
        return cache.length();
    }
}
