package dev.quill.docs;

import dev.quill.config.RunConfig;
import dev.quill.config.TrainConfig;
import dev.quill.train.CosineWithWarmup;
import dev.quill.train.LinearWithWarmup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws {@code docs/img/lr-schedule.png}: the learning rate of the baby recipe
 * ({@code examples/shakespeare-char-baby.json}) at every step, cosine and linear decay after warmup.
 * Run from the repository root:
 * <pre>
 *   java -cp "$(cat target/classpath.txt):target/classes:target/test-classes" dev.quill.docs.ScheduleFigure
 * </pre>
 */
public final class ScheduleFigure {

    private ScheduleFigure() {
    }

    public static void main(String[] args) throws Exception {
        TrainConfig t = RunConfig.load(Path.of("examples/shakespeare-char-baby.json"), List.of()).train();
        var cosine = new CosineWithWarmup(t.learningRate(), t.minLr(), t.warmupIters(), t.lrDecayIters());
        var linear = new LinearWithWarmup(t.learningRate(), t.minLr(), t.warmupIters(), t.lrDecayIters());
        List<Double> steps = new ArrayList<>(), cos = new ArrayList<>(), lin = new ArrayList<>();
        for (int it = 0; it <= t.maxIters() + 200; it++) {
            steps.add((double) it);
            cos.add(cosine.lr(it));
            lin.add(linear.lr(it));
        }
        XYChart chart = new XYChartBuilder().width(800).height(400)
                .title("Learning rate, baby recipe: warmup " + t.warmupIters() + ", decay to step " + t.lrDecayIters())
                .xAxisTitle("step").yAxisTitle("learning rate").build();
        chart.getStyler().setXAxisDecimalPattern("0");
        chart.getStyler().setXAxisTickMarkSpacingHint(100);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        chart.addSeries("cosine (CosineWithWarmup)", steps, cos).setMarker(SeriesMarkers.NONE);
        chart.addSeries("linear (LinearWithWarmup)", steps, lin).setMarker(SeriesMarkers.NONE);
        Files.createDirectories(Path.of("docs/img"));
        BitmapEncoder.saveBitmap(chart, "docs/img/lr-schedule", BitmapEncoder.BitmapFormat.PNG);
        System.out.printf("lr at steps 0, 99, 100, 1050, 2000, 2100: %.3g %.3g %.3g %.3g %.3g %.3g%n",
                cosine.lr(0), cosine.lr(99), cosine.lr(100), cosine.lr(1050), cosine.lr(2000), cosine.lr(2100));
    }
}
