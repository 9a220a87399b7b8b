package dev.quill.data.sft;

/**
 * A conversation as token ids, with the next-token target of every position: {@code targets[t]} is
 * {@code ids[t + 1]} where that token is trained and {@link ChatTemplate#IGNORE_INDEX} (-1) elsewhere,
 * and the last position, which has no next token, is always -1. Which tokens are trained is the
 * template's mask rule (see {@link DefaultChatTemplate}).
 *
 * @param ids     the rendered tokens, markers included
 * @param targets next-token targets, -1 where the loss ignores the position; as long as {@code ids}
 */
public record RenderedChat(int[] ids, int[] targets) {

    /**
     * Checks ids and targets have the same length.
     *
     * @param ids the rendered tokens
     * @param targets next-token targets, -1 where not trained
     */
    public RenderedChat {
        if (ids.length != targets.length) {
            throw new IllegalArgumentException(ids.length + " ids but " + targets.length + " targets");
        }
    }

    /**
     * Tokens in the rendering.
     *
     * @return the number of ids
     */
    public int length() {
        return ids.length;
    }

    /**
     * Positions whose target is trained (not -1).
     *
     * @return the count
     */
    public int trainedCount() {
        return ChatTemplate.trainedCount(targets);
    }
}
