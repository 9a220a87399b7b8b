package dev.quill.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.autograd.Rng;
import dev.quill.model.Gpt;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class LrFinderTest {

    @Test
    void findsARateInsideTheRangeRestoresTheModelAndWritesItsFiles(@TempDir Path out) throws Exception {
        TrainerTest.data();
        Gpt gpt = new Gpt(TrainerTest.model(0.0), new Rng(3), DataType.FLOAT);
        Map<String, INDArray> before = gpt.parameters().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().value().dup()));
        long rng = gpt.rng().state();
        LrFinder finder = new LrFinder(TrainerTest.train(100, 1, 8, 0), new GptTask(gpt, null),
                TrainerTest.split.train(), 16);
        LrFinder.Result r = finder.run(1e-5, 10, 60);
        assertThat(r.lrs()).isNotEmpty();
        assertThat(r.suggestion()).isBetween(1e-5, 10.0);
        // the loss at the suggestion's neighbourhood is falling: smoothed loss there is below the start
        int i = r.lrs().indexOf(r.suggestion());
        assertThat(r.smoothed().get(Math.min(i + 1, r.smoothed().size() - 1))).isLessThan(r.smoothed().get(0));
        // growth is exponential: equal ratios between neighbours
        assertThat(r.lrs().get(2) / r.lrs().get(1)).isCloseTo(r.lrs().get(1) / r.lrs().get(0), org.assertj.core.data.Offset.offset(1e-9));
        gpt.parameters().forEach((n, p) -> assertThat(p.value()).as(n).isEqualTo(before.get(n)));
        assertThat(gpt.rng().state()).isEqualTo(rng);
        LrFinder.write(r, out);
        assertThat(out.resolve("lr_find.png")).exists();
        assertThat(java.nio.file.Files.readAllLines(out.resolve("lr_find.jsonl"))).hasSize(r.lrs().size());
    }

    @Test
    void suggestionIsTheSteepestDescent() {
        List<Double> lrs = List.of(1e-4, 1e-3, 1e-2, 1e-1, 1.0);
        List<Double> loss = List.of(3.0, 2.9, 2.0, 1.9, 5.0);   // the big drop is around 1e-3 .. 1e-2
        assertThat(LrFinder.suggest(lrs, loss)).isIn(1e-3, 1e-2);
    }
}
