package dev.quill.data.sft;

import dev.quill.config.BadInputException;

import java.util.Locale;
import java.util.Objects;

/**
 * One turn of a conversation: who speaks and what they say.
 *
 * <p>Content is kept exactly as given (no trimming): the template renders it as it is, so what the
 * model learns to write is what the data says. Empty content is allowed; a null one is not.
 *
 * @param role    who speaks
 * @param content what they say
 */
public record Message(Role role, String content) {

    /** The three speakers of a chat, as JSON writes them: {@code "system"}, {@code "user"}, {@code "assistant"}. */
    public enum Role {
        /** Instructions that frame the conversation; never trained on. */
        SYSTEM,
        /** The person asking; never trained on. */
        USER,
        /** The model's side: the only content whose tokens are training targets. */
        ASSISTANT;

        /**
         * The lower-case name JSON uses.
         *
         * @return "system", "user" or "assistant"
         */
        public String jsonName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The role JSON calls {@code name} (exactly "system", "user" or "assistant").
         *
         * @param name the role as written in the data
         * @return the role
         * @throws BadInputException for any other name
         */
        public static Role parse(String name) {
            for (Role r : values()) {
                if (r.jsonName().equals(name)) {
                    return r;
                }
            }
            throw new BadInputException("unknown role \"" + name + "\": must be \"system\", \"user\" or \"assistant\"");
        }
    }

    /**
     * Checks the role and content are there.
     *
     * @param role who speaks
     * @param content what they say, not null
     * @throws BadInputException for null content
     */
    public Message {
        Objects.requireNonNull(role, "role");
        if (content == null) {
            throw new BadInputException("a " + role.jsonName() + " message has no content");
        }
    }

    /**
     * A system message.
     *
     * @param content the instructions
     * @return the message
     */
    public static Message system(String content) {
        return new Message(Role.SYSTEM, content);
    }

    /**
     * A user message.
     *
     * @param content what the user says
     * @return the message
     */
    public static Message user(String content) {
        return new Message(Role.USER, content);
    }

    /**
     * An assistant message.
     *
     * @param content what the assistant says
     * @return the message
     */
    public static Message assistant(String content) {
        return new Message(Role.ASSISTANT, content);
    }
}
