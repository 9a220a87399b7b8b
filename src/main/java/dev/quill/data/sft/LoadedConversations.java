package dev.quill.data.sft;

import java.util.List;

/**
 * Conversations as a reader produced them, each with the line it starts on, and the report of what was
 * skipped. The line numbers let later stages (a conversation the tokenizer cannot encode) point at the
 * file: {@code data.jsonl:17}.
 *
 * @param source        the file name (or another label) used in messages
 * @param conversations the conversations, in file order
 * @param lines         the 1-based line each conversation starts on, parallel to {@code conversations}
 * @param skips         what was used and what was skipped, with reasons
 */
public record LoadedConversations(String source, List<Conversation> conversations, List<Integer> lines, SkipReport skips) {

    /**
     * Copies the lists and checks they are parallel.
     *
     * @param source the file name used in messages
     * @param conversations the conversations, in file order
     * @param lines the 1-based line each conversation starts on
     * @param skips what was used and skipped
     */
    public LoadedConversations {
        conversations = List.copyOf(conversations);
        lines = List.copyOf(lines);
        if (conversations.size() != lines.size()) {
            throw new IllegalArgumentException(conversations.size() + " conversations but " + lines.size() + " line numbers");
        }
    }

    /**
     * Where conversation {@code i} starts, as {@code source:line}.
     *
     * @param i the conversation's index
     * @return the location for messages
     */
    public String where(int i) {
        return source + ":" + lines.get(i);
    }
}
