package dev.quill.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.autograd.MemoryScope;
import dev.quill.autograd.Tensor;
import dev.quill.config.ConfigJson;
import dev.quill.config.TrainConfig;
import dev.quill.data.RandomWindowSampler;
import dev.quill.data.Tokens;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The learning-rate range test (Smith, 2017): train from the initial weights while the learning rate grows
 * exponentially, one step each, from {@code startLr} to {@code endLr}; record the loss; stop when it
 * diverges (4x the best smoothed loss). The suggestion is the rate where the smoothed loss fell fastest
 * (the steepest negative slope against log lr), a common and conservative reading of the curve. The
 * model's weights and random state are restored afterwards; the finder uses its own optimizer.
 */
public final class LrFinder {

    /** The curve and the suggested learning rate. */
    public record Result(List<Double> lrs, List<Double> losses, List<Double> smoothed, double suggestion) {
    }

    private final TrainConfig cfg;
    private final TrainTask task;
    private final Tokens tokens;
    private final int blockSize;

    /**
     * @param cfg       the batch size, seed and AdamW settings to use
     * @param task      the model; its weights and random state are restored after {@link #run}
     * @param tokens    the training tokens
     * @param blockSize T
     */
    public LrFinder(TrainConfig cfg, TrainTask task, Tokens tokens, int blockSize) {
        this.cfg = cfg;
        this.task = task;
        this.tokens = tokens;
        this.blockSize = blockSize;
    }

    /**
     * Runs the test.
     *
     * @param startLr the first learning rate
     * @param endLr   the last one, if the loss has not diverged by then
     * @param steps   the most steps; the rate grows by a constant factor per step
     * @return the curve up to divergence and the suggested rate
     */
    public Result run(double startLr, double endLr, int steps) {
        Map<String, INDArray> saved = new LinkedHashMap<>();
        task.module().parameters().forEach((n, p) -> saved.put(n, MemoryScope.outside(() -> p.value().dup())));
        long rngState = task.rng().state();
        AdamW opt = new AdamW(task.module().trainableParameters(), cfg.weightDecay(), cfg.beta1(), cfg.beta2(), cfg.eps());
        RandomWindowSampler sampler = RandomWindowSampler.create(tokens, cfg.batchSize(), blockSize, cfg.seed());
        List<Double> lrs = new ArrayList<>(), losses = new ArrayList<>(), smoothed = new ArrayList<>();
        double growth = Math.pow(endLr / startLr, 1.0 / Math.max(1, steps - 1));
        double avg = 0, best = Double.POSITIVE_INFINITY;
        task.module().train(true);
        try {
            for (int i = 0; i < steps; i++) {
                double lr = startLr * Math.pow(growth, i);
                double loss;
                try (MemoryScope scope = MemoryScope.open("lr-find")) {
                    Tensor l = task.loss(sampler.next());
                    loss = l.item();
                    l.backward();
                    GradClip.clip(task.module().trainableParameters().values(), cfg.gradClip());
                    opt.step(lr);
                    task.module().zeroGrad();
                }
                if (!Double.isFinite(loss)) {
                    break;
                }
                avg = 0.9 * avg + 0.1 * loss;
                double debiased = avg / (1 - Math.pow(0.9, i + 1));
                lrs.add(lr);
                losses.add(loss);
                smoothed.add(debiased);
                best = Math.min(best, debiased);
                if (i > 5 && debiased > 4 * best) {
                    break;
                }
            }
        } finally {
            task.module().parameters().forEach((n, p) -> p.value().assign(saved.get(n)));
            task.module().zeroGrad();
            task.rng().restore(rngState);
        }
        return new Result(lrs, losses, smoothed, suggest(lrs, smoothed));
    }

    /** The learning rate at the steepest descent of the smoothed loss against log(lr). */
    static double suggest(List<Double> lrs, List<Double> smoothed) {
        if (lrs.size() < 3) {
            return lrs.isEmpty() ? Double.NaN : lrs.get(0);
        }
        int bestIndex = 1;
        double steepest = Double.POSITIVE_INFINITY;
        for (int i = 1; i < lrs.size() - 1; i++) {
            double slope = (smoothed.get(i + 1) - smoothed.get(i - 1)) / (Math.log(lrs.get(i + 1)) - Math.log(lrs.get(i - 1)));
            if (slope < steepest) {
                steepest = slope;
                bestIndex = i;
            }
        }
        return lrs.get(bestIndex);
    }

    /**
     * Writes {@code lr_find.jsonl} (one line per step) and {@code lr_find.png} into {@code dir}.
     *
     * @param r   a finder's result
     * @param dir the output directory, created if needed
     * @throws IOException when a file cannot be written
     */
    public static void write(Result r, Path dir) throws IOException {
        Files.createDirectories(dir);
        try (BufferedWriter w = Files.newBufferedWriter(dir.resolve("lr_find.jsonl"), StandardCharsets.UTF_8)) {
            for (int i = 0; i < r.lrs().size(); i++) {
                ObjectNode o = ConfigJson.object().put("step", i + 1).put("lr", r.lrs().get(i)).put("loss", r.losses().get(i))
                        .put("loss_smoothed", r.smoothed().get(i));
                w.write(ConfigJson.MAPPER.writeValueAsString(o));
                w.newLine();
            }
        }
        if (r.lrs().isEmpty()) {
            return;
        }
        XYChart chart = new XYChartBuilder().width(800).height(450).title("LR range test").xAxisTitle("learning rate (log)")
                .yAxisTitle("loss").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.addSeries("loss", r.lrs(), r.losses()).setMarker(SeriesMarkers.NONE);
        chart.addSeries("smoothed", r.lrs(), r.smoothed()).setMarker(SeriesMarkers.NONE);
        if (Double.isFinite(r.suggestion())) {
            chart.addSeries("suggested " + String.format("%.1e", r.suggestion()), List.of(r.suggestion()),
                    List.of(r.smoothed().get(r.lrs().indexOf(r.suggestion())))).setMarker(SeriesMarkers.DIAMOND);
        }
        BitmapEncoder.saveBitmap(chart, dir.resolve("lr_find").toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
