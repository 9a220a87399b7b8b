package dev.quill.data.sft;

import dev.quill.config.BadInputException;

import java.util.ArrayList;
import java.util.List;

/**
 * One training example for supervised fine-tuning: messages in order, at least one of them the
 * assistant's (otherwise nothing in it would be trained, see {@link ChatTemplate}). Two conversations are
 * equal when their messages are, which is what deduplication compares.
 *
 * @param messages the turns, in order (an unmodifiable copy)
 */
public record Conversation(List<Message> messages) {

    /**
     * Checks there is a message and an assistant message among them.
     *
     * @param messages the turns, in order
     * @throws BadInputException otherwise
     */
    public Conversation {
        messages = List.copyOf(messages);
        if (messages.isEmpty()) {
            throw new BadInputException("a conversation needs at least one message");
        }
        if (messages.stream().noneMatch(m -> m.role() == Message.Role.ASSISTANT)) {
            throw new BadInputException("a conversation needs at least one assistant message (there is nothing to train on without one)");
        }
    }

    /**
     * The conversation of these messages.
     *
     * @param messages the turns, in order
     * @return the conversation
     */
    public static Conversation of(Message... messages) {
        return new Conversation(List.of(messages));
    }

    /**
     * The prompt/response form: an optional system message, one user turn, one assistant turn.
     *
     * @param system   the system message, or null for none
     * @param prompt   the user's turn
     * @param response the assistant's turn
     * @return the conversation
     */
    public static Conversation promptResponse(String system, String prompt, String response) {
        var messages = new ArrayList<Message>(3);
        if (system != null) {
            messages.add(Message.system(system));
        }
        messages.add(Message.user(prompt));
        messages.add(Message.assistant(response));
        return new Conversation(messages);
    }
}
