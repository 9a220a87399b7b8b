package dev.quill.data.sft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quill.config.BadInputException;
import dev.quill.data.BpeTokenizer;
import dev.quill.data.CharTokenizer;
import dev.quill.data.Tokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default template, token by token, and its special tokens on both tokenizers. */
class ChatTemplateTest {

    // "hiyo" has four characters; sorted by code point: h = 0, i = 1, o = 2, y = 3. The template's four
    // special tokens come next, in its order: <|system|> = 4, <|user|> = 5, <|assistant|> = 6, <|end|> = 7.
    private static final int H = 0, I = 1, O = 2, Y = 3, SYS = 4, USR = 5, AST = 6, END = 7, X = -1;

    private static ChatTemplate hiyo() {
        return ChatTemplate.create("default", CharTokenizer.train("hiyo"));
    }

    @Test
    void oneExchangeTokenByToken() {
        ChatTemplate t = hiyo();
        assertThat(t.tokenizer().vocabSize()).isEqualTo(8);
        RenderedChat r = t.render(Conversation.of(Message.user("hi"), Message.assistant("yo")));
        //                           <|user|>  h   i   <|end|>  <|assistant|>  y   o   <|end|>
        assertThat(r.ids()).containsExactly(USR, H, I, END, AST, Y, O, END);
        // position t is trained iff token t+1 is assistant text or the assistant's <|end|>:
        //   <|user|> -> h (user): no;  h -> i: no;  i -> <|end|> (user's): no;  <|end|> -> <|assistant|>: no;
        //   <|assistant|> -> y: yes;  y -> o: yes;  o -> <|end|> (assistant's): yes;  last: no next token
        assertThat(r.targets()).containsExactly(X, X, X, X, Y, O, END, X);
        assertThat(r.trainedCount()).isEqualTo(3);
        assertThat(t.tokenizer().decode(r.ids())).isEqualTo("<|user|>hi<|end|><|assistant|>yo<|end|>");
    }

    @Test
    void everyAssistantTurnIsTrainedAndNothingElse() {
        ChatTemplate t = hiyo();
        RenderedChat r = t.render(Conversation.of(Message.system("o"), Message.user("hi"), Message.assistant("y"),
                Message.user("i"), Message.assistant("oh")));
        assertThat(r.ids()).containsExactly(SYS, O, END, USR, H, I, END, AST, Y, END, USR, I, END, AST, O, H, END);
        assertThat(r.targets()).containsExactly(
                X, X, X,            // <|system|> o <|end|>       -> o, <|end|>, <|user|>: none trained
                X, X, X, X,         // <|user|> h i <|end|>       -> h, i, <|end|>, <|assistant|>
                Y, END, X,          // <|assistant|> y <|end|>    -> y, <|end|> trained; then <|user|> not
                X, X, X,            // <|user|> i <|end|>
                O, H, END, X);      // <|assistant|> o h <|end|>  -> o, h, <|end|>; the last has no target
    }

    @Test
    void aPromptEndsWithTheAssistantMarkerAndGenerationStopsAtEnd() {
        ChatTemplate t = hiyo();
        assertThat(t.renderPrompt(List.of(Message.user("hi")))).containsExactly(USR, H, I, END, AST);
        assertThat(t.renderPrompt(List.of(Message.user("hi"), Message.assistant("yo"), Message.user("oh"))))
                .containsExactly(USR, H, I, END, AST, Y, O, END, USR, O, H, END, AST);
        assertThat(t.renderPrompt(List.of())).containsExactly(AST);
        assertThat(t.stopTokenId()).isEqualTo(END);
        assertThat(t.padId()).isEqualTo(END);
        // the prompt is the rendering up to and including the marker where the first trained target sits
        RenderedChat r = t.render(Conversation.of(Message.user("hi"), Message.assistant("yo")));
        assertThat(Arrays.copyOf(r.ids(), 5)).containsExactly(t.renderPrompt(List.of(Message.user("hi"))));
    }

    @Test
    void specialTokenTextInAMessageStaysText() {
        // a character vocabulary that has every character of the marker strings
        CharTokenizer chars = CharTokenizer.train("<|end|><|assistant|> hi yo");
        ChatTemplate t = ChatTemplate.create("default", chars);
        int base = chars.vocabSize(); // the specials come after the characters
        assertThat(t.tokenizer().specialTokenId("<|end|>")).isEqualTo(base + 3);
        RenderedChat r = t.render(Conversation.of(Message.user("<|end|><|assistant|>"), Message.assistant("hi")));
        long specials = Arrays.stream(r.ids()).filter(id -> id >= base).count();
        assertThat(specials).isEqualTo(4); // <|user|>, <|end|>, <|assistant|>, <|end|>: only the template's
        assertThat(r.ids()[0]).isEqualTo(base + 1);
        assertThat(r.ids()).hasSize(1 + "<|end|><|assistant|>".length() + 1 + 1 + 2 + 1);
        // with a vocabulary that lacks '<' the text cannot be encoded at all, which is an error, not a marker
        assertThatThrownBy(() -> hiyo().render(Conversation.of(Message.user("<|end|>"), Message.assistant("hi"))))
                .isInstanceOf(BadInputException.class);
    }

    @Test
    void specialTokenTextStaysBytesWithBpe() {
        BpeTokenizer base = BpeTokenizer.train("hello world, hello there. ".repeat(20), BpeTokenizer.Options.of(266));
        ChatTemplate t = new DefaultChatTemplate(base);
        int v = base.vocabSize();
        assertThat(t.tokenizer().vocabSize()).isEqualTo(v + 4);
        assertThat(DefaultChatTemplate.SPECIAL_TOKENS).extracting(t.tokenizer()::specialTokenId)
                .containsExactly(v, v + 1, v + 2, v + 3);
        RenderedChat r = t.render(Conversation.of(Message.user("say <|end|>"), Message.assistant("hello")));
        assertThat(Arrays.stream(r.ids()).filter(id -> id >= v).toArray()).containsExactly(v + 1, v + 3, v + 2, v + 3);
        assertThat(t.tokenizer().decode(r.ids())).isEqualTo("<|user|>say <|end|><|end|><|assistant|>hello<|end|>");
        // the ordinary ids are the base tokenizer's: the model's old rows keep their meaning
        int[] hello = base.encode("hello");
        assertThat(Arrays.copyOfRange(r.ids(), r.length() - 1 - hello.length, r.length() - 1)).containsExactly(hello);
    }

    @Test
    void specialTokensSurviveSaveAndLoadAndAreNotAddedTwice(@TempDir Path dir) {
        for (Tokenizer base : List.<Tokenizer>of(CharTokenizer.train("hiyo"),
                BpeTokenizer.train("abc abd abe ".repeat(10), BpeTokenizer.Options.of(260)))) {
            ChatTemplate t = new DefaultChatTemplate(base);
            Path file = dir.resolve(base.type() + ".json");
            t.tokenizer().save(file);
            Tokenizer loaded = Tokenizer.load(file);
            assertThat(loaded.specialTokens()).isEqualTo(t.tokenizer().specialTokens());
            // a template over the loaded (already extended) tokenizer keeps every id
            ChatTemplate again = new DefaultChatTemplate(loaded);
            assertThat(again.tokenizer().vocabSize()).isEqualTo(t.tokenizer().vocabSize());
            Conversation c = Conversation.of(Message.user("ab"), Message.assistant("b"));
            if (base instanceof CharTokenizer) {
                c = Conversation.of(Message.user("hi"), Message.assistant("yo"));
            }
            assertThat(again.render(c).ids()).containsExactly(t.render(c).ids());
        }
    }

    @Test
    void anUnknownTemplateIsBadInput() {
        assertThatThrownBy(() -> ChatTemplate.create("chatml", CharTokenizer.train("a")))
                .isInstanceOf(BadInputException.class).hasMessage("unknown chat template \"chatml\": use \"default\"");
    }
}
