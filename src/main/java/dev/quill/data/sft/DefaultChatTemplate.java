package dev.quill.data.sft;

import dev.quill.data.IntList;
import dev.quill.data.Tokenizer;

import java.util.List;

/**
 * The default chat format: each message is its role marker, its text and an end-of-turn token, with
 * nothing in between (no newlines: for a character model with a 128-token window every token counts).
 * Each marker is one special token.
 * <pre>
 *   &lt;|system|&gt;Be brief.&lt;|end|&gt;&lt;|user|&gt;Who speaks?&lt;|end|&gt;&lt;|assistant|&gt;ROMEO&lt;|end|&gt;
 * </pre>
 *
 * <p>The mask rule, in one line: <b>the target at position t is {@code ids[t+1]} if token t+1 is part
 * of an assistant message (its text or its closing {@code <|end|>}), else -1.</b> So the model learns to
 * write the assistant's words and to end its turn; it is never trained to predict the user's or the
 * system's text, nor the markers, which the prompt supplies at generation time. The first assistant
 * token is predicted at the {@code <|assistant|>} position, exactly where {@link #renderPrompt} leaves
 * the model.
 *
 * <p>Padding reuses {@code <|end|>}: a pad is only ever an input after the conversation, with target
 * -1, so it needs no id of its own.
 */
public final class DefaultChatTemplate implements ChatTemplate {

    /** Starts a system message. */
    public static final String SYSTEM = "<|system|>";
    /** Starts a user message. */
    public static final String USER = "<|user|>";
    /** Starts an assistant message. */
    public static final String ASSISTANT = "<|assistant|>";
    /** Ends every message. */
    public static final String END = "<|end|>";
    /** The special tokens this template adds, in id order. */
    public static final List<String> SPECIAL_TOKENS = List.of(SYSTEM, USER, ASSISTANT, END);

    private final Tokenizer tokenizer;
    private final int systemId;
    private final int userId;
    private final int assistantId;
    private final int endId;

    /**
     * The template over {@code base}, whose special tokens it extends (ids it already has are kept).
     *
     * @param base the pre-trained model's tokenizer
     */
    public DefaultChatTemplate(Tokenizer base) {
        this.tokenizer = base.withSpecialTokens(SPECIAL_TOKENS);
        this.systemId = tokenizer.specialTokenId(SYSTEM);
        this.userId = tokenizer.specialTokenId(USER);
        this.assistantId = tokenizer.specialTokenId(ASSISTANT);
        this.endId = tokenizer.specialTokenId(END);
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public RenderedChat render(Conversation conversation) {
        var ids = new IntList(64);
        var trained = new IntList(64); // 1 where the token is a training target, parallel to ids
        for (Message m : conversation.messages()) {
            int t = m.role() == Message.Role.ASSISTANT ? 1 : 0;
            ids.add(marker(m.role()));
            trained.add(0);
            for (int id : tokenizer.encode(m.content(), false)) { // never special: no smuggled markers
                ids.add(id);
                trained.add(t);
            }
            ids.add(endId);
            trained.add(t);
        }
        int n = ids.size();
        int[] targets = new int[n];
        for (int i = 0; i < n; i++) {
            targets[i] = i + 1 < n && trained.get(i + 1) == 1 ? ids.get(i + 1) : IGNORE_INDEX; // the mask rule
        }
        return new RenderedChat(ids.toArray(), targets);
    }

    @Override
    public int[] renderPrompt(List<Message> messages) {
        var ids = new IntList(64);
        for (Message m : messages) {
            ids.add(marker(m.role()));
            ids.addAll(tokenizer.encode(m.content(), false));
            ids.add(endId);
        }
        ids.add(assistantId);
        return ids.toArray();
    }

    @Override
    public int stopTokenId() {
        return endId;
    }

    @Override
    public int padId() {
        return endId;
    }

    private int marker(Message.Role role) {
        return switch (role) {
            case SYSTEM -> systemId;
            case USER -> userId;
            case ASSISTANT -> assistantId;
        };
    }
}
