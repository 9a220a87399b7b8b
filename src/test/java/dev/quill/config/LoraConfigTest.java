package dev.quill.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LoraConfigTest {

    private static LoraConfig parse(String json) throws Exception {
        return LoraConfig.fromJson(ConfigJson.MAPPER.readTree(json), LoraConfig.defaults());
    }

    @Test
    void defaultsAreRank8Alpha16OnTheAttentionProjections() {
        LoraConfig d = LoraConfig.defaults();
        assertThat(d.rank()).isEqualTo(8);
        assertThat(d.alpha()).isEqualTo(16.0);
        assertThat(d.dropout()).isZero();
        assertThat(d.targets()).containsExactly("attn.c_attn", "attn.c_proj");
        assertThat(d.scale()).isEqualTo(2.0);
    }

    @Test
    void jsonOverridesTheDefaultsAndRoundTrips() throws Exception {
        LoraConfig c = parse("{\"rank\": 4, \"dropout\": 0.05, \"targets\": [\"c_attn\", \"mlp.c_fc\"]}");
        assertThat(c).isEqualTo(new LoraConfig(4, 16.0, 0.05, List.of("c_attn", "mlp.c_fc")));
        assertThat(LoraConfig.fromJson(c.toJson(), new LoraConfig(1, 1, 0, List.of("x")))).isEqualTo(c);
        assertThat(c.toJson().toString()).isEqualTo("{\"rank\":4,\"alpha\":16.0,\"dropout\":0.05,\"targets\":[\"c_attn\",\"mlp.c_fc\"],\"train_embeddings\":false}");
        assertThat(parse("{\"train_embeddings\": true}").trainEmbeddings()).isTrue();
        // one string is a list of one (what --set lora.targets=c_attn gives)
        assertThat(parse("{\"targets\": \"c_attn\"}").targets()).containsExactly("c_attn");
    }

    @Test
    void badValuesNameTheKeyTheValueAndWhatIsAllowed() {
        assertThatThrownBy(() -> parse("{\"rank\": 0}")).isInstanceOf(BadInputException.class)
                .hasMessage("lora.rank = 0: must be at least 1");
        assertThatThrownBy(() -> parse("{\"alpha\": -1}")).hasMessage("lora.alpha = -1.0: must be positive");
        assertThatThrownBy(() -> parse("{\"alpha\": 0}")).hasMessage("lora.alpha = 0.0: must be positive");
        assertThatThrownBy(() -> parse("{\"dropout\": 1.0}")).hasMessage("lora.dropout = 1.0: must be in [0, 1)");
        assertThatThrownBy(() -> parse("{\"targets\": []}"))
                .hasMessage("lora.targets = []: must list at least one module, e.g. [\"attn.c_attn\", \"attn.c_proj\"]");
        assertThatThrownBy(() -> parse("{\"targets\": [\"c_attn\", \"attn..c_proj\"]}"))
                .hasMessage("lora.targets = [\"c_attn\", \"attn..c_proj\"]: each target is a module name or a dotted path "
                        + "suffix such as \"c_attn\" or \"attn.c_proj\", not \"attn..c_proj\"");
        assertThatThrownBy(() -> parse("{\"targets\": [\"h.*.c_attn\"]}")).hasMessageContaining("not \"h.*.c_attn\"");
        assertThatThrownBy(() -> parse("{\"targets\": 3}")).hasMessage("lora.targets must be a list of strings, got 3");
        assertThatThrownBy(() -> parse("{\"targets\": [\"c_attn\", 1]}"))
                .hasMessage("lora.targets must be a list of strings, got [\"c_attn\",1]");
        assertThatThrownBy(() -> parse("{\"rank\": \"eight\"}")).hasMessage("lora.rank must be an integer, got \"eight\"");
        assertThatThrownBy(() -> parse("{\"ranks\": 4}")).hasMessage("unknown key lora.ranks; did you mean lora.rank?");
        assertThatThrownBy(() -> parse("{\"target_modules\": [\"c_attn\"]}")).hasMessageStartingWith("unknown key lora.target_modules");
    }

    @Test
    void aTargetMatchesWholeDotSeparatedNamesAtTheEndOfAPath() {
        String attn = "transformer.h.1.attn.c_proj";
        String mlp = "transformer.h.1.mlp.c_proj";
        LoraConfig cProj = new LoraConfig(2, 2, 0, List.of("c_proj"));
        assertThat(cProj.matches(attn)).isTrue();
        assertThat(cProj.matches(mlp)).isTrue();
        LoraConfig attnOnly = new LoraConfig(2, 2, 0, List.of("attn.c_proj"));
        assertThat(attnOnly.matches(attn)).isTrue();
        assertThat(attnOnly.matches(mlp)).isFalse();
        assertThat(attnOnly.matches("transformer.h.1.attn.c_attn")).isFalse();
        // whole names only: "tn.c_proj" is not a suffix of "attn.c_proj" in this sense, nor "h.1" of "h.11"
        assertThat(LoraConfig.targetMatches("tn.c_proj", attn)).isFalse();
        assertThat(LoraConfig.targetMatches("h.1.attn.c_proj", attn)).isTrue();
        assertThat(LoraConfig.targetMatches("h.1.attn.c_proj", "transformer.h.11.attn.c_proj")).isFalse();
        assertThat(LoraConfig.targetMatches(attn, attn)).isTrue();
    }
}
