package dev.quill.data.sft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.quill.config.BadInputException;
import dev.quill.config.ConfigJson;
import dev.quill.data.Corpora;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads conversations from JSON Lines, one conversation per line, in either of two forms:
 * <pre>
 *   {"messages": [{"role": "system", "content": "..."}, {"role": "user", "content": "..."},
 *                 {"role": "assistant", "content": "..."}]}
 *   {"prompt": "...", "response": "...", "system": "..."}          ("system" optional)
 * </pre>
 * Format "auto" accepts each line in either form; "messages" and "prompt_response" insist on one.
 * Keys other than these are ignored (datasets often carry an {@code "id"} or a {@code "source"}).
 * Blank lines are not records and are not counted.
 *
 * <p>A malformed line is a {@link BadInputException} {@code FILE:LINE: what is wrong}. With
 * {@code skipBadLines} it is counted instead, under a reason (the constants below), and the
 * {@link SkipReport} of the result says how many lines were used and skipped, and where; it is logged
 * as a warning when anything was skipped.
 */
public final class ConversationReader {

    /** The line is not JSON. */
    public static final String MALFORMED_JSON = "malformed JSON";
    /** The line is JSON but not an object. */
    public static final String NOT_AN_OBJECT = "not a JSON object";
    /** Neither (or both) of the forms, or not the form the format asks for. */
    public static final String WRONG_FORM = "wrong form";
    /** A message that is not an object with string role and content, or an empty message list. */
    public static final String BAD_MESSAGE = "bad message";
    /** A role other than system, user and assistant. */
    public static final String UNKNOWN_ROLE = "unknown role";
    /** A conversation with nothing to train on. */
    public static final String NO_ASSISTANT = "no assistant message";

    private static final Logger LOG = LoggerFactory.getLogger(ConversationReader.class);
    private static final ObjectReader JSON = ConfigJson.MAPPER.readerFor(JsonNode.class)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ConversationReader() {
    }

    /** One bad line: the reason it is counted under, and the detail for the message. */
    private static final class LineError extends RuntimeException {
        final String reason;

        LineError(String reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }
    }

    /**
     * Reads a JSONL file (strict UTF-8).
     *
     * @param file         the file
     * @param format       "auto", "messages" or "prompt_response"
     * @param skipBadLines count malformed lines instead of failing on the first
     * @return the conversations, their line numbers and the skip report
     * @throws BadInputException {@code FILE:LINE: what is wrong} for the first bad line, unless skipping
     */
    public static LoadedConversations read(Path file, String format, boolean skipBadLines) {
        return read(Corpora.readText(file), file.toString(), format, skipBadLines);
    }

    /**
     * Reads JSONL text.
     *
     * @param text         the lines
     * @param source       the name messages use for the text (a file name)
     * @param format       "auto", "messages" or "prompt_response"
     * @param skipBadLines count malformed lines instead of failing on the first
     * @return the conversations, their line numbers and the skip report
     * @throws BadInputException {@code SOURCE:LINE: what is wrong} for the first bad line, unless skipping
     */
    public static LoadedConversations read(String text, String source, String format, boolean skipBadLines) {
        if (!List.of("auto", "messages", "prompt_response").contains(format)) {
            throw new IllegalArgumentException("JSONL format must be auto, messages or prompt_response, not " + format);
        }
        var conversations = new ArrayList<Conversation>();
        var lines = new ArrayList<Integer>();
        var skips = new SkipReport.Builder();
        String[] rows = text.split("\n", -1);
        for (int i = 0; i < rows.length; i++) {
            String row = rows[i].endsWith("\r") ? rows[i].substring(0, rows[i].length() - 1) : rows[i];
            if (row.isBlank()) {
                continue;
            }
            try {
                conversations.add(parseLine(row, format));
                lines.add(i + 1);
            } catch (LineError e) {
                if (!skipBadLines) {
                    throw new BadInputException(source + ":" + (i + 1) + ": " + e.getMessage()
                            + " (set sft.skip_bad_lines to true to count and skip such lines)");
                }
                skips.skip(e.reason, i + 1);
            }
        }
        var result = new LoadedConversations(source, conversations, lines, skips.build(conversations.size()));
        if (result.skips().skipped() > 0) {
            LOG.warn("{}: {}", source, result.skips().summary());
        }
        return result;
    }

    /** One line to one conversation, or a {@link LineError} saying why not. */
    static Conversation parseLine(String line, String format) {
        JsonNode node;
        try {
            node = JSON.readValue(line);
        } catch (JsonProcessingException e) {
            // a constraint (nesting too deep, a number too long) has no location
            String where = e.getLocation() == null ? "" : " at column " + e.getLocation().getColumnNr();
            throw new LineError(MALFORMED_JSON, "malformed JSON" + where + ": "
                    + String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse(""));
        }
        if (node == null || !node.isObject()) {
            throw new LineError(NOT_AN_OBJECT, "expected a JSON object, got " + abbreviate(String.valueOf(node)));
        }
        boolean messages = node.has("messages");
        boolean prompt = node.has("prompt") || node.has("response");
        if (messages && prompt) {
            throw new LineError(WRONG_FORM, "has both \"messages\" and \"prompt\"/\"response\"; use one form per line");
        }
        if (messages && !format.equals("prompt_response")) {
            return fromMessages(node.get("messages"));
        }
        if (prompt && !format.equals("messages")) {
            return fromPromptResponse(node);
        }
        String wanted = switch (format) {
            case "messages" -> "{\"messages\": [...]}";
            case "prompt_response" -> "{\"prompt\": ..., \"response\": ...}";
            default -> "{\"messages\": [...]} or {\"prompt\": ..., \"response\": ...}";
        };
        throw new LineError(WRONG_FORM, "expected " + wanted + " (format " + format + "), got keys " + keys(node));
    }

    private static Conversation fromMessages(JsonNode list) {
        if (!list.isArray() || list.isEmpty()) {
            throw new LineError(BAD_MESSAGE, "\"messages\" must be a non-empty list, got " + abbreviate(list.toString()));
        }
        var messages = new ArrayList<Message>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode m = list.get(i);
            if (!m.isObject() || !m.path("role").isTextual() || !m.path("content").isTextual()) {
                throw new LineError(BAD_MESSAGE, "messages[" + i + "] must be {\"role\": string, \"content\": string}, got "
                        + abbreviate(m.toString()));
            }
            messages.add(new Message(role(m.get("role").textValue(), "messages[" + i + "]"), m.get("content").textValue()));
        }
        return conversation(messages);
    }

    private static Conversation fromPromptResponse(JsonNode node) {
        for (String key : List.of("prompt", "response")) {
            if (!node.path(key).isTextual()) {
                throw new LineError(WRONG_FORM, "\"" + key + "\" must be a string, got "
                        + (node.has(key) ? abbreviate(node.get(key).toString()) : "nothing"));
            }
        }
        JsonNode system = node.get("system");
        if (system != null && !system.isNull() && !system.isTextual()) {
            throw new LineError(WRONG_FORM, "\"system\" must be a string, got " + abbreviate(system.toString()));
        }
        return Conversation.promptResponse(system == null || system.isNull() ? null : system.textValue(),
                node.get("prompt").textValue(), node.get("response").textValue());
    }

    private static Message.Role role(String name, String where) {
        try {
            return Message.Role.parse(name);
        } catch (BadInputException e) {
            throw new LineError(UNKNOWN_ROLE, where + ": " + e.getMessage());
        }
    }

    private static Conversation conversation(List<Message> messages) {
        if (messages.stream().noneMatch(m -> m.role() == Message.Role.ASSISTANT)) {
            throw new LineError(NO_ASSISTANT, "no assistant message, so nothing to train on");
        }
        return new Conversation(messages);
    }

    private static String keys(JsonNode node) {
        var names = new ArrayList<String>();
        node.fieldNames().forEachRemaining(names::add);
        return names.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
