package dev.quill.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.config.ModelConfig;
import dev.quill.config.RunConfig;
import dev.quill.config.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every run config under {@code examples/} loads, so a renamed key fails the build, not a reader's run. */
class ExampleConfigsTest {

    static List<Path> configs() throws IOException {
        try (Stream<Path> s = Files.list(DocsListingsTest.repoRoot().resolve("examples"))) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    @Test
    void everyExampleConfigLoads() throws IOException {
        List<Path> files = configs();
        assertThat(files).extracting(p -> p.getFileName().toString())
                .contains("shakespeare-char-baby.json", "shakespeare-char.json", "shakespeare-bpe.json");
        for (Path f : files) {
            RunConfig c = RunConfig.load(f, List.of());
            assertThat(c.name()).isEqualTo(f.getFileName().toString().replace(".json", ""));
        }
    }

    @Test
    void theBabyRecipeIsNanoGptsBabyRecipe() {
        RunConfig c = RunConfig.load(DocsListingsTest.repoRoot().resolve("examples/shakespeare-char-baby.json"), List.of());
        assertThat(c.model()).isEqualTo(ModelConfig.shakespeareCharBaby());
        assertThat(c.train()).isEqualTo(TrainConfig.shakespeareCharBaby());
        assertThat(c.data().tokenizer()).isEqualTo("char");
    }

    @Test
    void theCharRecipeIsNanoGptsShakespeareCharRecipe() {
        RunConfig c = RunConfig.load(DocsListingsTest.repoRoot().resolve("examples/shakespeare-char.json"), List.of());
        assertThat(c.model()).isEqualTo(ModelConfig.shakespeareChar());
        assertThat(c.train()).isEqualTo(TrainConfig.shakespeareChar());
        // nanoGPT's config/train_shakespeare_char.py: batch_size 64, no accumulation; here 8 x 8, the same 64 per step
        assertThat(c.train().batchSize() * c.train().gradAccumSteps()).isEqualTo(64);
    }
}
