package dev.quill.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.train.TrainListener;
import java.io.PrintWriter;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * Training progress on stderr: a progress bar with step, loss, lr and tokens/s when stderr is a terminal
 * ({@link StderrTerminal}), one plain line per metrics line otherwise (so logs and CI stay readable).
 * The bar's width is asked once, at its first step; it never asks JLine again while the run goes on.
 */
final class ProgressListener implements TrainListener {

    private final PrintWriter err;
    private final boolean terminal;
    private ProgressBar bar;

    ProgressListener(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public void onStep(long step, long maxSteps, double loss, double lr, double tokensPerSec) {
        if (!terminal) {
            return;
        }
        if (bar == null) {
            // a fixed width: without one the bar opens a JLine terminal at every redraw (see StderrTerminal#width)
            bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(maxSteps)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err, StderrTerminal.width() - 1)).build();
        }
        bar.stepTo(step);
        bar.setExtraMessage(String.format(" loss %.4f lr %.2e %,.0f tok/s", loss, lr, tokensPerSec));
        if (step >= maxSteps) {
            finish();
        }
    }

    /** Ends the bar's line, after a run that stopped early (a finished run closes it at its last step). */
    void finish() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    @Override
    public void onMetrics(ObjectNode line) {
        if (terminal && !line.has("val_loss")) {
            return;
        }
        String val = line.has("val_loss") ? String.format(" | val %.4f", line.get("val_loss").asDouble()) : "";
        String mfu = line.has("mfu") ? PeakOption.describeMfu(line.get("mfu").asDouble()) : "";
        err.printf("step %d | loss %.4f | lr %.2e | grad norm %.3f | %,.0f tok/s%s%s%n", line.get("step").asLong(),
                line.get("train_loss").asDouble(), line.get("lr").asDouble(), line.get("grad_norm").asDouble(),
                line.get("tokens_per_sec").asDouble(), mfu, val);
        err.flush();
    }
}
