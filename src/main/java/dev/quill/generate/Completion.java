package dev.quill.generate;

/**
 * The result of one prompt.
 *
 * @param text         the generated text after the prompt, cut before the first stop sequence
 * @param tokens       the generated ids (those of a stop sequence included)
 * @param promptTokens how many prompt tokens the model saw (after cropping to block_size; 1 for an empty prompt)
 * @param reason       why generation ended
 */
public record Completion(String text, int[] tokens, int promptTokens, Reason reason) {

    /** Why a completion ended. */
    public enum Reason {
        /** max_new_tokens were generated. */
        MAX_TOKENS,
        /** The decoded text reached a stop sequence. */
        STOP_SEQUENCE
    }
}
