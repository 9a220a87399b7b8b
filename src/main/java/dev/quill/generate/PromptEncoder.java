package dev.quill.generate;

import dev.quill.config.BadInputException;
import dev.quill.data.Tokenizer;
import java.util.Arrays;

/**
 * Prompt text to the ids the model starts from:
 * <ul>
 *   <li>text outside the vocabulary: the tokenizer's {@link BadInputException}, which names the character;</li>
 *   <li>an empty prompt: one start token, the configured id, else {@code '\n'} if the tokenizer encodes it as
 *       one token (tiny Shakespeare's character model: id 0), else id 0;</li>
 *   <li>more than block_size tokens: only the last block_size are kept (what nanoGPT's crop would feed).</li>
 * </ul>
 */
final class PromptEncoder {

    private PromptEncoder() {
    }

    static int[] encode(Tokenizer tokenizer, String prompt, int startToken, int blockSize) {
        if (prompt.isEmpty()) {
            int id = startToken >= 0 ? startToken : defaultStartToken(tokenizer);
            if (id >= tokenizer.vocabSize()) {
                throw new BadInputException("generate.start_token = " + id + ": outside the vocabulary [0, "
                        + tokenizer.vocabSize() + ")");
            }
            return new int[] {id};
        }
        int[] ids = tokenizer.encode(prompt);
        if (ids.length == 0) {
            // a tokenizer may encode some text to nothing (it cannot today; be safe)
            return encode(tokenizer, "", startToken, blockSize);
        }
        return ids.length > blockSize ? Arrays.copyOfRange(ids, ids.length - blockSize, ids.length) : ids;
    }

    /** '\n' when it is a single token, else 0. */
    static int defaultStartToken(Tokenizer tokenizer) {
        try {
            int[] nl = tokenizer.encode("\n");
            return nl.length == 1 ? nl[0] : 0;
        } catch (BadInputException e) {
            return 0;
        }
    }
}
