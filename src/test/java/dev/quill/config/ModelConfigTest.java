package dev.quill.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class ModelConfigTest {

    private static ModelConfig parse(String json) throws Exception {
        JsonNode node = ConfigJson.MAPPER.readTree(json);
        return ModelConfig.fromJson(node, ModelConfig.shakespeareCharBaby());
    }

    @Test
    void presetsHaveNanoGptShapes() {
        ModelConfig baby = ModelConfig.shakespeareCharBaby();
        assertThat(baby.nLayer()).isEqualTo(4);
        assertThat(baby.nEmbd()).isEqualTo(128);
        assertThat(baby.blockSize()).isEqualTo(64);
        ModelConfig sc = ModelConfig.shakespeareChar();
        assertThat(sc.nEmbd()).isEqualTo(384);
        assertThat(sc.dropout()).isEqualTo(0.2);
        assertThat(ModelConfig.gpt2Small().vocabSize()).isEqualTo(50304);
        assertThat(ModelConfig.gpt2Small().headSize()).isEqualTo(64);
    }

    @Test
    void jsonRoundTripAndOverrides() throws Exception {
        ModelConfig c = parse("{\"n_layer\": 2, \"norm\": \"rmsnorm\", \"positions\": \"sinusoidal\", \"activation\": \"gelu_tanh\"}");
        assertThat(c.nLayer()).isEqualTo(2);
        assertThat(c.norm()).isEqualTo(ModelConfig.Norm.RMSNORM);
        assertThat(c.nEmbd()).isEqualTo(128); // from the defaults
        assertThat(ModelConfig.fromJson(c.toJson(), ModelConfig.gpt2Small())).isEqualTo(c);
        assertThat(c.toJson().get("norm").asText()).isEqualTo("rmsnorm");
    }

    @Test
    void mlpHiddenIsOptionalAndWrittenOnlyWhenSet() throws Exception {
        ModelConfig old = parse("{\"n_embd\": 32, \"mlp_ratio\": 3}");
        assertThat(old.mlpHidden()).isZero();
        assertThat(old.mlpWidth()).isEqualTo(96);
        assertThat(old.toJson().has("mlp_hidden")).isFalse();
        assertThat(ConfigJson.MAPPER.writeValueAsString(old.toJson()))
                .isEqualTo(ConfigJson.MAPPER.writeValueAsString(ModelConfig.fromJson(old.toJson(), ModelConfig.gpt2Small()).toJson()));
        ModelConfig odd = parse("{\"n_embd\": 32, \"mlp_hidden\": 37}");
        assertThat(odd.mlpWidth()).isEqualTo(37);
        assertThat(odd.toJson().get("mlp_hidden").asInt()).isEqualTo(37);
        assertThat(ModelConfig.fromJson(odd.toJson(), ModelConfig.gpt2Small())).isEqualTo(odd);
        assertThat(odd.withVocabSize(7).mlpHidden()).isEqualTo(37);
        assertThatThrownBy(() -> parse("{\"mlp_hidden\": -1}")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("model.mlp_hidden = -1");
    }

    @Test
    void badValuesNameTheKeyTheValueAndWhatIsAllowed() {
        assertThatThrownBy(() -> parse("{\"n_embd\": 100, \"n_head\": 3}")).isInstanceOf(BadInputException.class)
                .hasMessage("model.n_embd = 100: must be divisible by model.n_head = 3");
        assertThatThrownBy(() -> parse("{\"dropout\": 1.0}")).hasMessage("model.dropout = 1.0: must be in [0, 1)");
        assertThatThrownBy(() -> parse("{\"norm\": \"batchnorm\"}"))
                .hasMessage("model.norm = \"batchnorm\": must be \"layernorm\" or \"rmsnorm\"");
        assertThatThrownBy(() -> parse("{\"n_layers\": 2}")).hasMessage("unknown key model.n_layers; did you mean model.n_layer?");
        assertThatThrownBy(() -> parse("{\"n_layer\": \"two\"}")).hasMessage("model.n_layer must be an integer, got \"two\"");
        assertThatThrownBy(() -> parse("{\"bias\": 1}")).hasMessage("model.bias must be true or false, got 1");
        assertThatThrownBy(() -> parse("{\"vocab_size\": 0}")).hasMessageContaining("model.vocab_size = 0");
    }
}
