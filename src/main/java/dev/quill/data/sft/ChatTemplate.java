package dev.quill.data.sft;

import dev.quill.config.BadInputException;
import dev.quill.data.Tokenizer;

import java.util.List;

/**
 * How a conversation becomes tokens for supervised fine-tuning, and a chat so far becomes a prompt.
 *
 * <p>A template owns its tokenizer: the base tokenizer plus the template's special tokens (role markers,
 * an end-of-turn token), appended at the end of the vocabulary so the base ids do not move. Message
 * text is always encoded without special tokens, so a user who types {@code <|end|>} gets those
 * characters, not the control token.
 *
 * <p>{@link #render} gives the training view, ids with next-token targets in which only the assistant's
 * tokens are trained; {@link #renderPrompt} gives the generation view, the messages so far followed by
 * the marker that starts an assistant turn. Generation stops at {@link #stopTokenId()}.
 */
public interface ChatTemplate {

    /** The target that the cross-entropy loss skips. */
    int IGNORE_INDEX = -1;

    /**
     * How many targets are trained, i.e. not {@link #IGNORE_INDEX}.
     *
     * @param targets next-token targets
     * @return the count
     */
    static int trainedCount(int[] targets) {
        int n = 0;
        for (int t : targets) {
            if (t != IGNORE_INDEX) {
                n++;
            }
        }
        return n;
    }

    /**
     * The template {@code sft.template} names.
     *
     * @param name the template's name; only "default" so far
     * @param base the tokenizer of the pre-trained model
     * @return the template, whose tokenizer is {@code base} plus the template's special tokens
     * @throws BadInputException for an unknown name
     */
    static ChatTemplate create(String name, Tokenizer base) {
        if ("default".equals(name)) {
            return new DefaultChatTemplate(base);
        }
        throw new BadInputException("unknown chat template \"" + name + "\": use \"default\"");
    }

    /**
     * The tokenizer with this template's special tokens; its {@link Tokenizer#vocabSize()} is what the
     * fine-tuned model's vocabulary must be.
     *
     * @return the tokenizer
     */
    Tokenizer tokenizer();

    /**
     * A whole conversation with its training targets.
     *
     * @param conversation the conversation
     * @return ids and next-token targets, -1 wherever the mask says not to train
     * @throws BadInputException if the tokenizer cannot encode a message
     */
    RenderedChat render(Conversation conversation);

    /**
     * The prompt that asks for the next assistant turn: {@code messages} rendered as in {@link #render},
     * then the assistant marker.
     *
     * @param messages the chat so far (may be empty)
     * @return token ids to feed the model
     */
    int[] renderPrompt(List<Message> messages);

    /**
     * The token that ends a turn: generation stops when the model emits it.
     *
     * @return its id
     */
    int stopTokenId();

    /**
     * The id that fills a training row after the conversation; its targets are always -1.
     *
     * @return the pad id
     */
    int padId();
}
