package dev.quill.model;

import dev.quill.autograd.Tensor;

/**
 * Where each token is: a (T, C) tensor added to the token embeddings, for positions start .. start+T-1.
 * {@link LearnedPositions} is a trained table (nanoGPT's {@code wpe}); {@link SinusoidalPositions} is the
 * fixed formula of the original transformer.
 */
public sealed interface PositionEncoding permits LearnedPositions, SinusoidalPositions {

    /**
     * @param start the first position
     * @param t     the number of positions
     * @return the (t, C) encodings of positions {@code start} to {@code start + t - 1}
     */
    Tensor forward(long start, int t);
}
