package dev.quill.data.sft;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.config.SftConfig;
import dev.quill.data.TestData;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Speaker lines to turns to conversations, on real tiny Shakespeare and on hand-made transcripts. */
class ConversationExtractorTest {

    private static final ConversationExtractor SHAKESPEARE = ConversationExtractor.of(SftConfig.defaults());

    /** The text of tiny Shakespeare from the first occurrence of {@code from} to the end of {@code to}. */
    private static String excerpt(String from, String to) {
        String text = TestData.excerpt();
        int start = text.indexOf(from);
        int end = text.indexOf(to, start) + to.length();
        assertThat(start).as("excerpt start").isNotNegative();
        return text.substring(start, end);
    }

    @Test
    void theOpeningOfTheCorpusPairsEachSpeechWithItsReply() {
        String text = excerpt("First Citizen:\nBefore we proceed", "We know't, we know't.\n");
        LoadedConversations r = SHAKESPEARE.extract(text, "tiny");
        assertThat(r.conversations()).containsExactly(
                Conversation.of(Message.user("Before we proceed any further, hear me speak."), Message.assistant("Speak, speak.")),
                Conversation.of(Message.user("You are all resolved rather to die than to famish?"),
                        Message.assistant("Resolved. resolved.")),
                Conversation.of(Message.user("First, you know Caius Marcius is chief enemy to the people."),
                        Message.assistant("We know't, we know't.")));
        assertThat(r.lines()).containsExactly(1, 7, 13);
        assertThat(r.skips().skipped()).isZero();
    }

    @Test
    void aSpeechLineEndingWithAColonIsNotASpeaker() {
        // BRUTUS's speech starts with "Come:", which looks like a speaker line but follows no blank line
        String text = excerpt("SICINIUS:\nBesides, if things go well,", "Lets along.\n");
        List<ConversationExtractor.Turn> turns = SHAKESPEARE.turns(text);
        assertThat(turns).extracting(ConversationExtractor.Turn::speaker)
                .containsExactly("SICINIUS:", "BRUTUS:", "SICINIUS:", "BRUTUS:");
        assertThat(turns.get(1).content()).isEqualTo("""
                Come:
                Half all Cominius' honours are to Marcius.
                Though Marcius earned them not, and all his faults
                To Marcius shall be honours, though indeed
                In aught he merit not.""");
        assertThat(turns.get(3)).isEqualTo(new ConversationExtractor.Turn("alternate", "BRUTUS:", "Lets along.", 19));
        // without the blank-line rule "Come:" would start a turn of its own
        var anywhere = new ConversationExtractor(Map.of("alternate", List.of(SftConfig.SHAKESPEARE_SPEAKER)), true, true, false, 2);
        assertThat(anywhere.turns(text)).extracting(ConversationExtractor.Turn::speaker)
                .containsExactly("SICINIUS:", "BRUTUS:", "Come:", "SICINIUS:", "BRUTUS:");
    }

    @Test
    void theWholeCorpusHasOneTurnPerSpeakerLine() {
        // 7,222 lines match the speaker pattern right after a blank line (counted with grep -B1 outside Quill);
        // paired two by two they make 3,611 conversations, and the first line is a speaker, so nothing is skipped
        LoadedConversations r = SHAKESPEARE.extract(TestData.tinyShakespeare(), "tiny");
        assertThat(SHAKESPEARE.turns(TestData.tinyShakespeare())).hasSize(7222);
        assertThat(r.conversations()).hasSize(3611);
        assertThat(r.skips().skipped()).isZero();
        assertThat(r.conversations()).allSatisfy(c -> assertThat(c.messages()).extracting(Message::role)
                .containsExactly(Message.Role.USER, Message.Role.ASSISTANT));
    }

    @Test
    void fixedRolesWithASkipRoleKeepOnlyAdjacentPairs() {
        String text = excerpt("LADY CAPULET:\nNurse, where's my daughter?", "A fortnight and odd days.\n");
        var roles = new LinkedHashMap<String, List<String>>();
        roles.put("user", List.of("Nurse:"));
        roles.put("assistant", List.of("JULIET:"));
        roles.put("skip", List.of(SftConfig.SHAKESPEARE_SPEAKER)); // every other speaker; tried last
        LoadedConversations r = new ConversationExtractor(roles, true, true, true, 2).extract(text, "rj");
        assertThat(r.conversations()).containsExactly(
                Conversation.of(Message.user("""
                        Now, by my maidenhead, at twelve year old,
                        I bade her come. What, lamb! what, ladybird!
                        God forbid! Where's this girl? What, Juliet!"""), Message.assistant("How now! who calls?")),
                Conversation.of(Message.user("Your mother."), Message.assistant("Madam, I am here.\nWhat is your will?")));
        assertThat(r.lines()).containsExactly(4, 12);
        // LADY CAPULET speaks 4 times; the Nurse twice answers her, so those two turns have no assistant
        assertThat(r.skips().counts()).containsExactly(Map.entry(ConversationExtractor.SKIPPED_ROLE, 4),
                Map.entry(ConversationExtractor.NO_ASSISTANT, 2));
        assertThat(r.skips().firstLines().get(ConversationExtractor.SKIPPED_ROLE)).containsExactly(1, 19, 28, 37);
        assertThat(r.skips().firstLines().get(ConversationExtractor.NO_ASSISTANT)).containsExactly(25, 31);
    }

    @Test
    void literalPatternsAreNotRegexes() {
        String text = "A.I: hello\nAXI: not a speaker\nUser: hi\nA.I: bye\n";
        var roles = new LinkedHashMap<String, List<String>>();
        roles.put("user", List.of("User:"));
        roles.put("assistant", List.of("A.I:"));
        var literal = new ConversationExtractor(roles, false, true, false, 2).turns(text);
        assertThat(literal).extracting(ConversationExtractor.Turn::content)
                .containsExactly("hello\nAXI: not a speaker", "hi", "bye");
        // as a regex the dot matches X
        var regex = new ConversationExtractor(roles, true, true, false, 2).turns(text);
        assertThat(regex).extracting(ConversationExtractor.Turn::speaker).containsExactly("A.I:", "AXI:", "User:", "A.I:");
    }

    @Test
    void caseSensitivityIsAnOption() {
        String text = "USER: one\nuser: two\nBot: three\n";
        Map<String, List<String>> roles = new LinkedHashMap<>();
        roles.put("user", List.of("User:"));
        roles.put("assistant", List.of("Bot:"));
        // case-sensitive: neither user line starts with "User:", so both come before the first speaker
        var sensitive = new ConversationExtractor(roles, false, true, false, 3).extract(text, "t");
        assertThat(sensitive.conversations()).containsExactly(Conversation.of(Message.assistant("three")));
        assertThat(sensitive.skips().firstLines().get(ConversationExtractor.BEFORE_FIRST_SPEAKER)).containsExactly(1, 2);
        var insensitive = new ConversationExtractor(roles, false, false, false, 3).extract(text, "t");
        assertThat(insensitive.conversations()).containsExactly(
                Conversation.of(Message.user("one"), Message.user("two"), Message.assistant("three")));
        assertThat(insensitive.skips().skipped()).isZero();
        // the same for a regex
        roles.put("user", List.of("^us[a-z]+:"));
        assertThat(new ConversationExtractor(roles, true, false, false, 3).extract(text, "t").conversations())
                .isEqualTo(insensitive.conversations());
    }

    @Test
    void severalPatternsPerRoleAndTextBeforeTheFirstSpeakerIsCounted() {
        String text = """
                Transcript of a support chat
                recorded 2024

                Customer: my screen is black
                Client: and it beeps
                Agent: is it plugged in?

                It was not.
                Customer: thanks
                Support: anytime
                """;
        var roles = new LinkedHashMap<String, List<String>>();
        roles.put("user", List.of("Customer:", "Client:"));
        roles.put("assistant", List.of("Agent:", "Support:"));
        LoadedConversations r = new ConversationExtractor(roles, false, true, false, 3).extract(text, "chat.txt");
        // groups of three turns: (Customer, Client, Agent) and (Customer, Support)
        assertThat(r.conversations()).containsExactly(
                Conversation.of(Message.user("my screen is black"), Message.user("and it beeps"),
                        Message.assistant("is it plugged in?\n\nIt was not.")),
                Conversation.of(Message.user("thanks"), Message.assistant("anytime")));
        assertThat(r.skips().counts()).containsExactly(Map.entry(ConversationExtractor.BEFORE_FIRST_SPEAKER, 2));
        assertThat(r.skips().firstLines().get(ConversationExtractor.BEFORE_FIRST_SPEAKER)).containsExactly(1, 2);
    }

    @Test
    void alternationRestartsWithTheUserInEachConversation() {
        String text = "A:\none\n\nB:\ntwo\n\nA:\nthree\n\nB:\nfour\n\nA:\nfive\n";
        var four = new ConversationExtractor(Map.of("alternate", List.of("^[AB]:$")), true, true, true, 4).extract(text, "t");
        assertThat(four.conversations()).containsExactly(Conversation.of(Message.user("one"), Message.assistant("two"),
                Message.user("three"), Message.assistant("four")));
        // the fifth turn opens a new conversation as its user and has no reply
        assertThat(four.skips().counts()).containsExactly(Map.entry(ConversationExtractor.NO_ASSISTANT, 1));
        assertThat(four.skips().firstLines().get(ConversationExtractor.NO_ASSISTANT)).containsExactly(13);
    }
}
