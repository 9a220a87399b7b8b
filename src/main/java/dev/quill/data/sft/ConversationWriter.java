package dev.quill.data.sft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.config.ConfigJson;
import dev.quill.data.AtomicFiles;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes conversations as JSON Lines in the messages form that {@link ConversationReader} reads:
 * {@code {"messages":[{"role":"user","content":"..."},{"role":"assistant","content":"..."}]}}, one a line.
 */
public final class ConversationWriter {

    private ConversationWriter() {
    }

    /**
     * One conversation as one line of JSON (no newline; JSON escapes any inside the text).
     *
     * @param conversation the conversation
     * @return the line
     */
    public static String toJsonLine(Conversation conversation) {
        ObjectNode root = ConfigJson.object();
        ArrayNode messages = root.putArray("messages");
        for (Message m : conversation.messages()) {
            messages.addObject().put("role", m.role().jsonName()).put("content", m.content());
        }
        try {
            return ConfigJson.MAPPER.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot happen for a tree of strings", e);
        }
    }

    /**
     * Writes the conversations to {@code file}, atomically, creating parent directories.
     *
     * @param file          the JSONL file
     * @param conversations the conversations, one line each
     */
    public static void write(Path file, List<Conversation> conversations) {
        var sb = new StringBuilder();
        for (Conversation c : conversations) {
            sb.append(toJsonLine(c)).append('\n');
        }
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }
}
