package dev.quill.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** {@code loss.png}: train loss (raw and smoothed) and val loss against the step, drawn with XChart. */
public final class LossPlot {

    private LossPlot() {
    }

    /**
     * Draws the curves of the metric lines into {@code file} (written to a temporary file, then moved).
     *
     * @param lines the lines of {@code metrics.jsonl}: train loss (and its EMA) at every line, val loss
     *              where there is one
     * @param file  the PNG to write
     * @throws IOException when the image cannot be written
     */
    public static void write(List<JsonNode> lines, Path file) throws IOException {
        List<Double> steps = new ArrayList<>(), train = new ArrayList<>(), ema = new ArrayList<>();
        List<Double> evalSteps = new ArrayList<>(), val = new ArrayList<>();
        for (JsonNode n : lines) {
            if (n.has("train_loss")) {
                steps.add(n.get("step").asDouble());
                train.add(n.get("train_loss").asDouble());
                ema.add(n.path("train_loss_ema").asDouble(n.get("train_loss").asDouble()));
            }
            if (n.has("val_loss")) {
                evalSteps.add(n.get("step").asDouble());
                val.add(n.get("val_loss").asDouble());
            }
        }
        if (steps.isEmpty()) {
            return;
        }
        XYChart chart = new XYChartBuilder().width(900).height(500).title("Loss").xAxisTitle("step").yAxisTitle("cross-entropy").build();
        chart.getStyler().setMarkerSize(4);
        chart.addSeries("train", steps, train).setMarker(SeriesMarkers.NONE);
        chart.addSeries("train (EMA)", steps, ema).setMarker(SeriesMarkers.NONE);
        if (!val.isEmpty()) {
            chart.addSeries("val", evalSteps, val).setMarker(SeriesMarkers.CIRCLE);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp.png");
        BitmapEncoder.saveBitmap(chart, tmp.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
}
