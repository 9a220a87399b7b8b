package dev.quill.data.sft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.data.CharTokenizer;
import dev.quill.data.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The instruction set made from tiny Shakespeare: correct answers, short enough, reproducible. */
class ShakespeareInstructionsTest {

    private static final String TEXT = TestData.excerpt();

    private static String prompt(Conversation c) {
        return c.messages().get(0).content();
    }

    private static String answer(Conversation c) {
        return c.messages().get(1).content();
    }

    /** Whether some block of the play starts with "speaker:" and has {@code line} among its lines. */
    private static boolean spokenBy(String line, String speaker) {
        for (String block : TEXT.split("\n\n")) {
            List<String> lines = block.lines().toList();
            if (lines.get(0).equals(speaker + ":") && lines.subList(1, lines.size()).contains(line)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void answersAreRightAndEveryExampleFitsA128TokenWindow() {
        List<Conversation> set = ShakespeareInstructions.generate(TEXT, 200, 7);
        assertThat(set).hasSize(200).doesNotHaveDuplicates();
        var template = new DefaultChatTemplate(CharTokenizer.train(TEXT));
        for (int i = 0; i < set.size(); i++) {
            Conversation c = set.get(i);
            assertThat(c.messages()).extracting(Message::role).containsExactly(Message.Role.USER, Message.Role.ASSISTANT);
            assertThat(template.render(c).length()).as(prompt(c)).isLessThanOrEqualTo(128);
            if (i < 100) {
                assertThat(prompt(c)).startsWith("Who speaks: ");
                String line = prompt(c).substring("Who speaks: ".length());
                assertThat(line.length()).isGreaterThanOrEqualTo(20);
                assertThat(spokenBy(line, answer(c))).as("%s said \"%s\"", answer(c), line).isTrue();
            } else {
                assertThat(prompt(c)).startsWith("Next line after: ");
                String line = prompt(c).substring("Next line after: ".length());
                assertThat(TEXT).contains(line + "\n" + answer(c) + "\n");
            }
        }
    }

    @Test
    void theSeedFixesTheSet() {
        assertThat(ShakespeareInstructions.generate(TEXT, 50, 3)).isEqualTo(ShakespeareInstructions.generate(TEXT, 50, 3))
                .isNotEqualTo(ShakespeareInstructions.generate(TEXT, 50, 4));
    }

    @Test
    void theCommittedFileIsWhatMainWrites(@TempDir Path dir) throws Exception {
        Path committed = Path.of("examples/sft/shakespeare-sft.jsonl"); // Maven runs tests in the repository root
        assertThat(committed).exists();
        assertThat(Files.size(committed)).isLessThan(500_000);
        Path fresh = dir.resolve("fresh.jsonl");
        // made from the whole corpus: skipped without it
        ConversationWriter.write(fresh, ShakespeareInstructions.generate(TestData.tinyShakespeare(), 2000, 1337));
        assertThat(Files.readString(fresh)).isEqualTo(Files.readString(committed));
        LoadedConversations read = ConversationReader.read(committed, "messages", false);
        assertThat(read.conversations()).hasSize(2000);
    }

}
