package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import dev.quill.config.BadInputException;
import dev.quill.config.ModelConfig;
import dev.quill.config.ModelConfig.Activation;
import dev.quill.config.ModelConfig.Norm;
import dev.quill.config.ModelConfig.Positions;
import dev.quill.config.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shapes that cannot fit are refused from the config, naming the key; the shipped ones and GPT-2 124M pass. */
class MemoryBudgetTest {

    static final long GB_24 = 24L << 30;

    static ModelConfig shape(int vocab, int block, int layers, int heads, int embd, boolean bias, Positions pos,
                             boolean tied, int ratio, int hidden) {
        return new ModelConfig(vocab, block, layers, heads, embd, 0.0, bias, Norm.LAYERNORM, 1e-5, pos, tied,
                Activation.GELU, ratio, hidden);
    }

    /** GPT-2 small as Hugging Face ships it (vocabulary 50,257, block 1,024). */
    static ModelConfig gpt2() {
        return shape(50257, 1024, 12, 12, 768, true, Positions.LEARNED, true, 4, 0);
    }

    @Test
    void theParameterCountIsThatOfTheModelItDescribes() {
        // GPT-2 small's published count (transformers' GPT2LMHeadModel, tied head): 124,439,808
        assertThat(MemoryBudget.parameters(gpt2())).isEqualTo(124_439_808L);
        for (ModelConfig c : List.of(
                shape(13, 8, 2, 2, 8, true, Positions.LEARNED, true, 4, 0),
                shape(13, 8, 3, 2, 8, false, Positions.SINUSOIDAL, false, 2, 0),
                shape(17, 5, 1, 3, 12, true, Positions.LEARNED, false, 4, 30))) {
            assertThat(MemoryBudget.parameters(c)).as(c.toString()).isEqualTo(new Gpt(c, 1).parameterCount());
        }
    }

    @Test
    void theShippedConfigsAndGpt2FineTuningAtBatchOneFitA24GbMachine() throws Exception {
        assertThatCode(() -> MemoryBudget.checkTraining(gpt2(), 1, false, GB_24)).doesNotThrowAnyException();
        assertThatCode(() -> MemoryBudget.checkLoading(gpt2(), 4, "config.json", GB_24)).doesNotThrowAnyException();
        // its estimate (6.2 GB) stays under the 11.2 GB it was measured at: a floor, as documented
        double estimate = 16.0 * MemoryBudget.parameters(gpt2()) + MemoryBudget.activationBytes(gpt2(), 1);
        assertThat(estimate).isBetween(4e9, 11.2e9);
        List<Path> examples;
        try (Stream<Path> s = Stream.concat(Files.list(Path.of("examples")), Files.list(Path.of("examples/sft")))) {
            examples = s.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().equals("pipeline.json")).toList();
        }
        assertThat(examples).hasSizeGreaterThanOrEqualTo(6);
        for (Path p : examples) {
            RunConfig cfg = RunConfig.load(p, List.of());
            assertThatCode(() -> MemoryBudget.checkTraining(cfg.model(), cfg.train().batchSize(), cfg.lora() != null, GB_24))
                    .as(p.toString()).doesNotThrowAnyException();
        }
        // and it has teeth: the same fine-tuning on a 4 GB machine is refused
        assertThatThrownBy(() -> MemoryBudget.checkTraining(gpt2(), 1, false, 4L << 30))
                .hasMessageStartingWith("train.batch_size = 1 with model.block_size = 1024 cannot fit: training needs at least 6.2 GB");
    }

    @Test
    void theStepScopeIsReservedAtTheEstimateOrItsForwardHalfAndLearnedBetween() {
        // baby: per token 4 layers x 2 x (10 x 128 + 2 x 512 + 2 x 4 heads x 64) + 2 x 65 + 2 x 128 = 22,914
        // floats; x 4 bytes x 12 x 64 tokens = 70,391,808 bytes, below the 1 GB of a big pass
        assertThat(MemoryBudget.stepScopeBytes(ModelConfig.shakespeareCharBaby(), 12)).isEqualTo(70_391_808L);
        // GPT-2 124M at one sequence of 1,024: per token 12 x 2 x (7,680 + 6,144 + 24,576) + 2 x 50,257 + 2 x 768
        // = 1,023,650 floats, x 4 x 1,024 = 4,192,870,400 bytes; a big pass, whose scope holds the forward:
        // half of it and 5% more, 2,201,256,960
        assertThat((double) MemoryBudget.stepScopeBytes(gpt2(), 1)).isCloseTo(2_201_256_960.0, offset(1.0));
        // 6x384 at 16 sequences: 1.98 GB in all, its forward (~0.99 GB) near the 1 GB line: learned
        assertThat(MemoryBudget.stepScopeBytes(ModelConfig.shakespeareChar(), 16)).isZero();
        assertThat(MemoryBudget.stepScopeBytes(ModelConfig.shakespeareCharBaby(), 0)).isZero();
    }

    @Test
    void aTensorBeyondWhatOneBufferHoldsIsRefusedNamingTheKey() {
        ModelConfig baby = ModelConfig.shakespeareCharBaby();
        assertThatThrownBy(() -> MemoryBudget.checkTraining(shape(65, 64, 4, 4, 1_000_000, false, Positions.LEARNED, true, 4, 0), 12, false))
                .isInstanceOf(BadInputException.class)
                .hasMessage("model.n_embd = 1000000 cannot fit: attn.c_attn.weight would hold 3,000,000,000,000 values "
                        + "(12,000 GB in float32), over the 2 GiB that one tensor can have in Quill (its safetensors files "
                        + "move each tensor through one Java buffer)");
        assertThatThrownBy(() -> MemoryBudget.checkTraining(baby.withVocabSize(2_000_000_000), 12, false))
                .hasMessageStartingWith("model.vocab_size = 2000000000 cannot fit: wte.weight would hold 256,000,000,000 values");
        // mlp_ratio x n_embd overflows an int (8,192 x 2^20 = 2^33): caught in long arithmetic
        assertThatThrownBy(() -> MemoryBudget.parameters(shape(65, 64, 1, 4, 8192, false, Positions.LEARNED, true, 1 << 20, 0)))
                .hasMessageStartingWith("model.mlp_ratio = 1048576 with model.n_embd = 8192 cannot fit: mlp.c_fc.weight");
        assertThatThrownBy(() -> MemoryBudget.parameters(shape(65, 1 << 30, 1, 4, 128, false, Positions.LEARNED, true, 4, 0)))
                .hasMessageStartingWith("model.block_size = 1073741824 cannot fit: wpe.weight");
    }

    @Test
    void aModelOverTheMachinesMemoryIsRefusedNamingTheKeyAndTheMemory() {
        ModelConfig deep = shape(65, 64, 10_000, 4, 128, false, Positions.LEARNED, true, 4, 0);
        // no biases: 10,000 blocks of 12 x 128^2 + 2 x 128 = 196,864, + wte 65 x 128 + wpe 64 x 128 + ln_f 128
        assertThat(MemoryBudget.parameters(deep)).isEqualTo(10_000L * 196_864 + 65 * 128 + 64 * 128 + 128);
        assertThatThrownBy(() -> MemoryBudget.checkTraining(deep, 1, false, GB_24))
                .hasMessage("model.n_layer = 10000 with model.n_embd = 128 cannot fit: training needs at least 45.9 GB "
                        + "(1,968,656,640 parameters x 16 bytes: weights, gradients, AdamW's two moments = 31.5 GB, plus about "
                        + "14.4 GB of activations for one micro-batch), more than this machine's 25.8 GB of memory");
        // activations dominate: a batch of long blocks
        assertThatThrownBy(() -> MemoryBudget.checkTraining(gpt2(), 64, false, GB_24))
                .hasMessageStartingWith("train.batch_size = 64 with model.block_size = 1024 cannot fit");
        assertThatThrownBy(() -> MemoryBudget.checkLoading(deep, 4, "out/x/config.json", 4L << 30))
                .hasMessage("out/x/config.json: model.n_layer = 10000 with model.n_embd = 128 cannot fit: its "
                        + "1,968,656,640 parameters need 7.9 GB, more than this machine's 4.3 GB of memory");
    }

    @Test
    void checkpointLoadRefusesBeforeReadingTheWeights(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"gpt2\", \"vocab_size\": 2000000000, \"n_embd\": 64, "
                + "\"n_head\": 4, \"n_layer\": 2}");                // no weights at all: the config alone is refused
        assertThatThrownBy(() -> Checkpoint.load(dir)).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(dir.resolve("config.json") + ": model.vocab_size = 2000000000 cannot fit: wte.weight");
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"gpt2\", \"vocab_size\": 50257, \"n_embd\": 4096, "
                + "\"n_head\": 32, \"n_layer\": 100000}");
        assertThatThrownBy(() -> Checkpoint.load(dir))
                .hasMessageStartingWith(dir.resolve("config.json") + ": model.n_layer = 100000 with model.n_embd = 4096 cannot fit: its ");
    }
}
