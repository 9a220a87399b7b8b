package dev.quill.data.sft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quill.config.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JSON Lines in, conversations out; bad lines fail with FILE:LINE or are counted, never dropped silently. */
class ConversationReaderTest {

    private static LoadedConversations read(String text, String format, boolean skip) {
        return ConversationReader.read(text, "chat.jsonl", format, skip);
    }

    @Test
    void readsBothFormsSkipsBlankLinesAndIgnoresExtraKeys() {
        String text = """
                {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}

                {"prompt": "2+2?", "response": "4", "id": 17}
                {"system": "Rhyme.", "prompt": "Day?", "response": "May", "source": "web"}\r
                """;
        LoadedConversations r = read(text, "auto", false);
        assertThat(r.conversations()).containsExactly(
                Conversation.of(Message.system("Be brief."), Message.user("Hi"), Message.assistant("Hello")),
                Conversation.of(Message.user("2+2?"), Message.assistant("4")),
                Conversation.of(Message.system("Rhyme."), Message.user("Day?"), Message.assistant("May")));
        assertThat(r.lines()).containsExactly(1, 3, 4); // line 2 is blank: not a record
        assertThat(r.where(1)).isEqualTo("chat.jsonl:3");
        assertThat(r.skips().used()).isEqualTo(3);
        assertThat(r.skips().skipped()).isZero();
        assertThat(r.skips().summary()).isEqualTo("used 3, skipped 0");
    }

    @Test
    void contentIsKeptExactly() {
        var r = read("{\"prompt\": \"  two\\nlines \\\"quoted\\\" \", \"response\": \"\\u00e9t\\u00e9 \"}", "auto", false);
        assertThat(r.conversations().get(0).messages().get(0).content()).isEqualTo("  two\nlines \"quoted\" ");
        assertThat(r.conversations().get(0).messages().get(1).content()).isEqualTo("été ");
    }

    @Test
    void aBadLineFailsWithFileAndLine() {
        String text = "{\"prompt\": \"a\", \"response\": \"b\"}\n\n{\"prompt\": \"a\", \"response\": }\n";
        assertThatThrownBy(() -> read(text, "auto", false)).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("chat.jsonl:3: malformed JSON at column ")
                .hasMessageEndingWith("(set sft.skip_bad_lines to true to count and skip such lines)");
    }

    @Test
    void eachKindOfBadLineHasItsMessage() {
        assertThatThrownBy(() -> read("[1, 2]", "auto", false)).hasMessageStartingWith("chat.jsonl:1: expected a JSON object, got [1,2]");
        assertThatThrownBy(() -> read("{\"text\": \"hi\"}", "auto", false)).hasMessageStartingWith(
                "chat.jsonl:1: expected {\"messages\": [...]} or {\"prompt\": ..., \"response\": ...} (format auto), got keys [text]");
        assertThatThrownBy(() -> read("{\"prompt\": \"a\"}", "auto", false))
                .hasMessageStartingWith("chat.jsonl:1: \"response\" must be a string, got nothing");
        assertThatThrownBy(() -> read("{\"messages\": [], \"prompt\": \"a\"}", "auto", false))
                .hasMessageStartingWith("chat.jsonl:1: has both \"messages\" and \"prompt\"/\"response\"");
        assertThatThrownBy(() -> read("{\"messages\": []}", "auto", false))
                .hasMessageStartingWith("chat.jsonl:1: \"messages\" must be a non-empty list");
        assertThatThrownBy(() -> read("{\"messages\": [{\"role\": \"user\"}]}", "auto", false))
                .hasMessageStartingWith("chat.jsonl:1: messages[0] must be {\"role\": string, \"content\": string}");
        assertThatThrownBy(() -> read("{\"messages\": [{\"role\": \"bot\", \"content\": \"x\"}]}", "auto", false))
                .hasMessageStartingWith("chat.jsonl:1: messages[0]: unknown role \"bot\": must be \"system\", \"user\" or \"assistant\"");
        assertThatThrownBy(() -> read("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}", "auto", false))
                .hasMessageStartingWith("chat.jsonl:1: no assistant message");
        assertThatThrownBy(() -> read("{\"prompt\": \"a\", \"response\": \"b\"} {}", "auto", false))
                .hasMessageStartingWith("chat.jsonl:1: malformed JSON"); // trailing content is not ignored
    }

    @Test
    void aStrictFormatRejectsTheOtherForm() {
        String messages = "{\"messages\": [{\"role\": \"assistant\", \"content\": \"x\"}]}";
        String prompt = "{\"prompt\": \"a\", \"response\": \"b\"}";
        assertThat(read(messages, "messages", false).conversations()).hasSize(1);
        assertThat(read(prompt, "prompt_response", false).conversations()).hasSize(1);
        assertThatThrownBy(() -> read(prompt, "messages", false))
                .hasMessageStartingWith("chat.jsonl:1: expected {\"messages\": [...]} (format messages), got keys [prompt, response]");
        assertThatThrownBy(() -> read(messages, "prompt_response", false))
                .hasMessageStartingWith("chat.jsonl:1: expected {\"prompt\": ..., \"response\": ...} (format prompt_response)");
    }

    @Test
    void skippingCountsEveryBadLineByReasonWithItsLineNumbers() {
        String good = "{\"prompt\": \"a\", \"response\": \"b\"}";
        String noAssistant = "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}";
        String text = String.join("\n", good, "not json", noAssistant, good, "{oops", "", good, "7") + "\n";
        LoadedConversations r = read(text, "auto", true);
        assertThat(r.conversations()).hasSize(3);
        assertThat(r.lines()).containsExactly(1, 4, 7);
        SkipReport s = r.skips();
        assertThat(s.used()).isEqualTo(3);
        assertThat(s.skipped()).isEqualTo(4);
        assertThat(s.counts()).containsExactly(Map.entry(ConversationReader.MALFORMED_JSON, 2),
                Map.entry(ConversationReader.NO_ASSISTANT, 1), Map.entry(ConversationReader.NOT_AN_OBJECT, 1));
        assertThat(s.firstLines().get(ConversationReader.MALFORMED_JSON)).containsExactly(2, 5);
        assertThat(s.summary()).isEqualTo(
                "used 3, skipped 4: malformed JSON 2 (lines 2, 5); no assistant message 1 (line 3); not a JSON object 1 (line 8)");
    }

    @Test
    void theSummaryListsOnlyTheFirstFiveLinesOfAReason() {
        String text = "x\n".repeat(7) + "{\"prompt\": \"a\", \"response\": \"b\"}\n";
        SkipReport s = read(text, "auto", true).skips();
        assertThat(s.firstLines().get(ConversationReader.MALFORMED_JSON)).containsExactly(1, 2, 3, 4, 5);
        assertThat(s.summary()).isEqualTo("used 1, skipped 7: malformed JSON 7 (lines 1, 2, 3, 4, 5, ...)");
    }

    @Test
    void readsAFileAndRoundTripsWhatTheWriterWrites(@TempDir Path dir) throws Exception {
        var conversations = List.of(
                Conversation.of(Message.system("say \"hi\""), Message.user("line one\nline two"), Message.assistant("ok\t✓")),
                Conversation.promptResponse(null, "<|end|> is text here", "fine"));
        Path file = dir.resolve("sub/out.jsonl");
        ConversationWriter.write(file, conversations);
        assertThat(Files.readAllLines(file)).hasSize(2); // one line each: the newline inside is escaped
        LoadedConversations r = ConversationReader.read(file, "messages", false);
        assertThat(r.conversations()).isEqualTo(conversations);
        assertThat(r.source()).isEqualTo(file.toString());
    }

    @Test
    void aMissingFileIsBadInput(@TempDir Path dir) {
        assertThatThrownBy(() -> ConversationReader.read(dir.resolve("nope.jsonl"), "auto", false))
                .isInstanceOf(BadInputException.class).hasMessageContaining("no such file");
    }
}
