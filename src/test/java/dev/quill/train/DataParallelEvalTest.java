package dev.quill.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.quill.autograd.GradMode;
import dev.quill.autograd.Rng;
import dev.quill.config.TrainConfig;
import dev.quill.data.Batch;
import dev.quill.data.BatchSource;
import dev.quill.model.Gpt;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Evaluation in a data-parallel run: rank r of W evaluates batches r, r + W, r + 2W, ... of the evaluation's
 * list, and the loss is the all-reduced sum of losses over the all-reduced sum of weights. Seen from rank 1 of
 * 2, with a stand-in group in which the other rank's sums equal this one's (every all-reduce doubles), so the
 * reported val loss must be the mean over exactly rank 1's batches.
 */
class DataParallelEvalTest {

    @BeforeAll
    static void data() {
        TrainerTest.data();
    }

    @Test
    void rankOneOfTwoEvaluatesTheOddBatchesAndReportsTheReducedMean(@TempDir Path out) throws Exception {
        // batch 4 (2 rows per rank), 1 step, evaluated at the end on 5 batches of each split, seed 7
        TrainConfig t = new TrainConfig(4, 1, 3e-3, 3e-4, 0, 1, "cosine", 0.1, 0.9, 0.99, 1e-8, 1.0, 1, 1, 5, 1,
                7, 0, 0.0, 3, 0, 0, "scratch");
        Gpt gpt = new Gpt(TrainerTest.model(0.0), new Rng(t.seed()), DataType.FLOAT);
        GptTask task = new GptTask(gpt, TrainerTest.tokenizer);
        Recording data = new Recording(new WindowData(TrainerTest.split.train(), TrainerTest.split.val(), 4, 16));
        Trainer.Result r = new Trainer(t, task, data, out).collective(new RankOneOfTwo()).run();

        assertThat(data.val).hasSize(5);
        assertThat(data.evaluated).as("rank 1 evaluates val batches 1 and 3 of 0-4, nothing else of them")
                .containsExactlyInAnyOrder(data.val.get(1), data.val.get(3)).doesNotContain(data.val.get(0));

        double expected;                              // the mean over rank 1's batches, with the trained weights
        task.module().train(false);
        try (GradMode g = GradMode.off()) {
            expected = (task.loss(data.val.get(1)).item() + task.loss(data.val.get(3)).item()) / 2;
        }
        assertThat(r.valLoss()).isCloseTo(expected, within(1e-6));
    }

    /** Window data that remembers the val batches it handed out and which batches were evaluated. */
    private static final class Recording implements TrainData {
        final TrainData base;
        final List<Batch> val = new ArrayList<>();
        final Set<Batch> evaluated = Collections.newSetFromMap(new IdentityHashMap<>());
        private final Set<Batch> valSet = Collections.newSetFromMap(new IdentityHashMap<>());

        Recording(TrainData base) {
            this.base = base;
        }

        @Override
        public BatchSource trainBatches(long seed) {
            return base.trainBatches(seed);
        }

        @Override
        public BatchSource resumeTrainBatches(long seed, long state) {
            return base.resumeTrainBatches(seed, state);
        }

        @Override
        public List<Batch> trainEstimateBatches(long seed, long step, int count) {
            return base.trainEstimateBatches(seed, step, count);
        }

        @Override
        public List<Batch> valBatches(long seed, long step, int count) {
            List<Batch> b = base.valBatches(seed, step, count);
            val.clear();
            val.addAll(b);
            valSet.addAll(b);
            return b;
        }

        @Override
        public double weight(Batch batch) {
            if (valSet.contains(batch)) {
                evaluated.add(batch);
            }
            return base.weight(batch);
        }

        @Override
        public long tokensPerBatch() {
            return base.tokensPerBatch();
        }
    }

    /** Rank 1 of 2, where the other rank always holds what this one holds: an all-reduce doubles. */
    private static final class RankOneOfTwo implements Collective {
        @Override
        public int rank() {
            return 1;
        }

        @Override
        public int worldSize() {
            return 2;
        }

        @Override
        public void allReduceSum(FloatBuffer buffer) {
            for (int i = buffer.position(); i < buffer.limit(); i++) {
                buffer.put(i, 2 * buffer.get(i));
            }
        }

        @Override
        public void broadcast(FloatBuffer buffer, int root) {
        }

        @Override
        public void barrier() {
        }

        @Override
        public void close() {
        }
    }
}
