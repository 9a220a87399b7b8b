package dev.quill.data.sft;

import dev.quill.config.SftConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a plain-text transcript with speaker lines (a play, a chat log) into conversations.
 *
 * <p>The rules, in order:
 * <ol>
 *   <li>A <em>speaker line</em> is a line that starts with one of the role patterns (a regex matched at
 *       the start of the line with {@link Matcher#lookingAt()}, or a literal prefix), tried in the
 *       order the roles are written; the first match wins. With {@code blankLineBeforeSpeaker} only a
 *       line after a blank line (or the first line) can be a speaker line: in tiny Shakespeare 1,254 speech
 *       lines, like "Come:", match the default speaker pattern, and only the blank line before a real
 *       speaker line ("BRUTUS:") tells them apart.</li>
 *   <li>A speaker line starts a turn. What follows the match on that line (if anything) is the turn's
 *       first text; every later line that is not a speaker line continues the turn, blank lines
 *       included. Leading and trailing blank lines of a turn are dropped.</li>
 *   <li>Lines before the first speaker line belong to no turn; they are counted
 *       ({@value #BEFORE_FIRST_SPEAKER}), never silently dropped.</li>
 *   <li>Consecutive turns group into conversations of {@code turnsPerConversation} turns; the last one
 *       may be shorter. A turn of role "skip" is dropped (counted) and closes the conversation being
 *       built, so a conversation is always a run of adjacent turns.</li>
 *   <li>Roles: "system", "user", "assistant" are what they say; an "alternate" turn is the user's at an
 *       even position of its conversation (0, 2, ...) and the assistant's at an odd one. A conversation
 *       with no assistant turn is dropped and counted ({@value #NO_ASSISTANT}).</li>
 * </ol>
 * With the defaults ({@link SftConfig#SHAKESPEARE_SPEAKER} alternating, two turns each) tiny Shakespeare
 * becomes pairs of adjacent speeches: the first speaker's lines as the user, the reply as the assistant.
 */
public final class ConversationExtractor {

    /** Non-blank lines before the first speaker line. */
    public static final String BEFORE_FIRST_SPEAKER = "text before the first speaker";
    /** Turns whose role is "skip". */
    public static final String SKIPPED_ROLE = "skip role";
    /** Conversations without an assistant turn. */
    public static final String NO_ASSISTANT = "no assistant turn";

    /**
     * One speech.
     *
     * @param role    the role name from the config ("user", "assistant", "system", "alternate", "skip")
     * @param speaker the text the pattern matched, e.g. {@code ROMEO:}
     * @param content the speech, lines joined with {@code \n}
     * @param line    the 1-based line of the speaker line
     */
    public record Turn(String role, String speaker, String content, int line) {
    }

    private final Map<Pattern, String> patterns; // in the order written -> role
    private final boolean blankLineBeforeSpeaker;
    private final int turnsPerConversation;

    /**
     * An extractor with explicit settings.
     *
     * @param roles                  role name to its patterns, tried in map order
     * @param regex                  patterns are regular expressions (else literal prefixes)
     * @param caseSensitive          patterns match case-sensitively
     * @param blankLineBeforeSpeaker only a line after a blank line (or the first line) can be a speaker line
     * @param turnsPerConversation   turns grouped into one conversation, at least 1
     */
    public ConversationExtractor(Map<String, List<String>> roles, boolean regex, boolean caseSensitive,
                                 boolean blankLineBeforeSpeaker, int turnsPerConversation) {
        if (turnsPerConversation < 1) {
            throw new IllegalArgumentException("turnsPerConversation must be at least 1, not " + turnsPerConversation);
        }
        roles.keySet().forEach(role -> {
            if (!SftConfig.ROLE_NAMES.contains(role)) {
                throw new IllegalArgumentException("unknown role " + role + "; use one of " + SftConfig.ROLE_NAMES);
            }
        });
        int flags = caseSensitive ? 0 : Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;
        this.patterns = new LinkedHashMap<>();
        roles.forEach((role, list) -> list.forEach(p -> patterns.put(Pattern.compile(regex ? p : Pattern.quote(p), flags), role)));
        this.blankLineBeforeSpeaker = blankLineBeforeSpeaker;
        this.turnsPerConversation = turnsPerConversation;
    }

    /**
     * The extractor an {@code sft} config describes.
     *
     * @param c the config (roles, regex, case_sensitive, blank_line_before_speaker, turns_per_conversation)
     * @return the extractor
     */
    public static ConversationExtractor of(SftConfig c) {
        return new ConversationExtractor(c.roles(), c.regex(), c.caseSensitive(), c.blankLineBeforeSpeaker(),
                c.turnsPerConversation());
    }

    /**
     * The turns of a transcript, in order (rules 1 to 3).
     *
     * @param text the transcript
     * @return its turns
     */
    public List<Turn> turns(String text) {
        return turns(text, new SkipReport.Builder());
    }

    /**
     * The conversations of a transcript (rules 1 to 5), with what was left out and why.
     *
     * @param text   the transcript
     * @param source the name messages use for it (a file name)
     * @return conversations, the line each starts on, and the skip report
     */
    public LoadedConversations extract(String text, String source) {
        var skips = new SkipReport.Builder();
        var conversations = new ArrayList<Conversation>();
        var lines = new ArrayList<Integer>();
        var group = new ArrayList<Turn>();
        for (Turn turn : turns(text, skips)) {
            if (turn.role().equals("skip")) {
                skips.skip(SKIPPED_ROLE, turn.line());
                close(group, conversations, lines, skips);
                continue;
            }
            group.add(turn);
            if (group.size() == turnsPerConversation) {
                close(group, conversations, lines, skips);
            }
        }
        close(group, conversations, lines, skips);
        return new LoadedConversations(source, conversations, lines, skips.build(conversations.size()));
    }

    private List<Turn> turns(String text, SkipReport.Builder skips) {
        var turns = new ArrayList<Turn>();
        String[] rows = text.split("\r?\n", -1);
        String role = null;
        String speaker = null;
        int start = 0;
        var body = new ArrayList<String>();
        for (int i = 0; i < rows.length; i++) {
            String row = rows[i];
            boolean mayStart = !blankLineBeforeSpeaker || i == 0 || rows[i - 1].isBlank();
            Matcher m = mayStart ? match(row) : null;
            if (m != null) {
                if (role != null) {
                    turns.add(turn(role, speaker, body, start));
                }
                role = patterns.get(m.pattern());
                speaker = m.group();
                start = i + 1;
                body.clear();
                String rest = row.substring(m.end()).stripLeading();
                if (!rest.isEmpty()) {
                    body.add(rest);
                }
            } else if (role != null) {
                body.add(row);
            } else if (!row.isBlank()) {
                skips.skip(BEFORE_FIRST_SPEAKER, i + 1);
            }
        }
        if (role != null) {
            turns.add(turn(role, speaker, body, start));
        }
        return turns;
    }

    private Matcher match(String row) {
        for (Pattern p : patterns.keySet()) {
            Matcher m = p.matcher(row);
            if (m.lookingAt()) {
                return m;
            }
        }
        return null;
    }

    private static Turn turn(String role, String speaker, List<String> body, int line) {
        int from = 0;
        int to = body.size();
        while (from < to && body.get(from).isBlank()) {
            from++;
        }
        while (to > from && body.get(to - 1).isBlank()) {
            to--;
        }
        return new Turn(role, speaker, String.join("\n", body.subList(from, to)), line);
    }

    /** Turns the group into a conversation (or counts it as one without an assistant) and empties it. */
    private static void close(List<Turn> group, List<Conversation> out, List<Integer> lines, SkipReport.Builder skips) {
        if (group.isEmpty()) {
            return;
        }
        var messages = new ArrayList<Message>(group.size());
        for (int i = 0; i < group.size(); i++) {
            Turn t = group.get(i);
            Message.Role role = switch (t.role()) {
                case "system" -> Message.Role.SYSTEM;
                case "user" -> Message.Role.USER;
                case "assistant" -> Message.Role.ASSISTANT;
                case "alternate" -> i % 2 == 0 ? Message.Role.USER : Message.Role.ASSISTANT;
                default -> throw new IllegalStateException("role " + t.role());
            };
            messages.add(new Message(role, t.content()));
        }
        if (messages.stream().anyMatch(m -> m.role() == Message.Role.ASSISTANT)) {
            out.add(new Conversation(messages));
            lines.add(group.get(0).line());
        } else {
            skips.skip(NO_ASSISTANT, group.get(0).line());
        }
        group.clear();
    }
}
