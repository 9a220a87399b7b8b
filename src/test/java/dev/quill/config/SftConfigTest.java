package dev.quill.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SftConfigTest {

    private static SftConfig parse(String json) throws Exception {
        return SftConfig.fromJson(ConfigJson.MAPPER.readTree(json), SftConfig.defaults());
    }

    @Test
    void defaultsAreDocumented() {
        SftConfig d = SftConfig.defaults();
        assertThat(d.path()).isNull();
        assertThat(d.format()).isEqualTo("auto");
        assertThat(d.roles()).containsOnlyKeys("alternate");
        assertThat(d.regex()).isTrue();
        assertThat(d.caseSensitive()).isTrue();
        assertThat(d.blankLineBeforeSpeaker()).isTrue();
        assertThat(d.turnsPerConversation()).isEqualTo(2);
        assertThat(d.template()).isEqualTo("default");
        assertThat(d.mixRatio()).isZero();
        assertThat(d.maxTrainExamples()).isZero();
        assertThat(d.minTokens()).isZero();
        assertThat(d.maxTokens()).isZero();
        assertThat(d.dedup()).isTrue();
        assertThat(d.skipBadLines()).isFalse();
        assertThat(d.valFraction()).isEqualTo(0.1);
        // every key is written, so a run prints the whole section
        assertThat(d.toJson().fieldNames()).toIterable().containsExactlyElementsOf(SftConfig.KEYS);
    }

    @Test
    void jsonOverridesTheDefaultsAndRoundTrips() throws Exception {
        SftConfig c = parse("""
                {"path": "chat.txt", "format": "transcript", "mix_ratio": 0.25, "max_train_examples": 500,
                 "roles": {"user": ["ROMEO:", "BENVOLIO:"], "assistant": "JULIET:", "skip": ["^[A-Z]+:$"]},
                 "regex": false, "case_sensitive": false, "turns_per_conversation": 4, "min_tokens": 3,
                 "max_tokens": 129, "dedup": false, "skip_bad_lines": true, "val_fraction": 0.2, "split_seed": 7}""");
        assertThat(c.path()).isEqualTo("chat.txt");
        assertThat(c.mixRatio()).isEqualTo(0.25);
        // roles keep the order written (the first match wins) and a lone string is a one-pattern list
        assertThat(c.roles().keySet()).containsExactly("user", "assistant", "skip");
        assertThat(c.roles().get("assistant")).containsExactly("JULIET:");
        assertThat(c.roles().get("user")).containsExactly("ROMEO:", "BENVOLIO:");
        assertThat(c.splitSeed()).isEqualTo(7);
        assertThat(SftConfig.fromJson(c.toJson(), SftConfig.defaults())).isEqualTo(c);
        assertThat(c.withPath("other.jsonl").path()).isEqualTo("other.jsonl");
        assertThat(c.withMixRatio(0.5).mixRatio()).isEqualTo(0.5);
    }

    @Test
    void badValuesNameTheKeyTheValueAndWhatIsAllowed() {
        assertThatThrownBy(() -> parse("{\"mix_ration\": 0.1}")).isInstanceOf(BadInputException.class)
                .hasMessage("unknown key sft.mix_ration; did you mean sft.mix_ratio?");
        assertThatThrownBy(() -> parse("{\"mix_ratio\": 1.0}"))
                .hasMessageStartingWith("sft.mix_ratio = 1.0: must be in [0, 1)");
        assertThatThrownBy(() -> parse("{\"mix_ratio\": -0.1}")).hasMessageStartingWith("sft.mix_ratio = -0.1:");
        assertThatThrownBy(() -> parse("{\"format\": \"jsonl\"}"))
                .hasMessage("sft.format = \"jsonl\": must be \"auto\", \"messages\", \"prompt_response\" or \"transcript\"");
        assertThatThrownBy(() -> parse("{\"template\": \"chatml\"}")).hasMessage("sft.template = \"chatml\": must be \"default\"");
        assertThatThrownBy(() -> parse("{\"val_fraction\": 1}")).hasMessage("sft.val_fraction = 1.0: must be in [0, 1)");
        assertThatThrownBy(() -> parse("{\"max_train_examples\": -1}")).hasMessage("sft.max_train_examples = -1: must be 0 (all) or more");
        assertThatThrownBy(() -> parse("{\"min_tokens\": 50, \"max_tokens\": 10}"))
                .hasMessage("sft.min_tokens = 50: must not exceed sft.max_tokens = 10");
        assertThatThrownBy(() -> parse("{\"turns_per_conversation\": 0}")).hasMessage("sft.turns_per_conversation = 0: must be at least 1");
        assertThatThrownBy(() -> parse("{\"dedup\": \"yes\"}")).hasMessage("sft.dedup must be true or false, got \"yes\"");
    }

    @Test
    void rolesAreChecked() {
        assertThatThrownBy(() -> parse("{\"roles\": {\"bot\": [\"B:\"], \"assistant\": [\"A:\"]}}"))
                .hasMessage("sft.roles = \"bot\": is not a role; use system, user, assistant, alternate, skip");
        assertThatThrownBy(() -> parse("{\"roles\": {\"user\": [\"U:\"]}}"))
                .hasMessage("sft.roles = [user]: must include \"assistant\" or \"alternate\", or no turn would be an assistant's");
        assertThatThrownBy(() -> parse("{\"roles\": {\"assistant\": []}}"))
                .hasMessage("sft.roles.assistant = []: must list at least one pattern");
        assertThatThrownBy(() -> parse("{\"roles\": {\"assistant\": [\"A[\"]}}")).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith("sft.roles.assistant[0] = \"A[\": not a regular expression")
                .hasMessageEndingWith("set sft.regex to false for literal text");
        // the same text is fine as a literal
        assertThatCode("{\"roles\": {\"assistant\": [\"A[\"]}, \"regex\": false}");
        assertThatThrownBy(() -> parse("{\"roles\": {\"assistant\": [3]}}"))
                .hasMessage("sft.roles.assistant = [3]: must be a list of pattern strings");
        assertThatThrownBy(() -> parse("{\"roles\": [\"A:\"]}"))
                .hasMessage("sft.roles = [\"A:\"]: must be an object of role -> list of patterns");
    }

    private static void assertThatCode(String json) {
        try {
            assertThat(parse(json).regex()).isFalse();
        } catch (Exception e) {
            throw new AssertionError(json + " should parse", e);
        }
    }

    @Test
    void theShakespeareSpeakerPatternMatchesTheSpeakerShapesOfThePlays() {
        var p = java.util.regex.Pattern.compile(SftConfig.SHAKESPEARE_SPEAKER);
        for (String speaker : List.of("ROMEO:", "First Citizen:", "KING RICHARD III:", "ALL SERVING-MEN:", "Senators, &C:")) {
            assertThat(p.matcher(speaker).matches()).as(speaker).isTrue();
        }
        for (String speech : List.of("ROMEO: hello", "romeo:", "Speak, speak.", ":")) {
            assertThat(p.matcher(speech).matches()).as(speech).isFalse();
        }
    }
}
