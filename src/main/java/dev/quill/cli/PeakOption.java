package dev.quill.cli;

import dev.quill.autograd.Parallel;
import dev.quill.config.BadInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.quill.train.GemmPeak;
import dev.quill.train.TrainListener;
import dev.quill.train.Trainer;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * {@code --peak-gflops} of the training commands: the denominator of MFU, measured at start unless given.
 *
 * <p>A measurement on a machine that is busy at that moment (another process on the cores, the JIT still
 * compiling) reads the peak low, and MFU then comes out above 100%, which no run can reach. So a metrics
 * line with MFU over 100% makes {@link #watch} measure the peak again between two steps (at most
 * {@value #REMEASURES} times a run) and keep the higher figure; the line itself says why its figure is
 * impossible. A given {@code --peak-gflops} is never replaced: the line then says that it is too low.
 */
final class PeakOption {

    private static final int REMEASURES = 3;

    @Option(names = "--peak-gflops", paramLabel = "GFLOPS",
            description = "The machine's GEMM peak for MFU in the metrics (default: measured at start, 0.2-0.3 s, "
                    + "as 'quill bench peak' does; 0 leaves MFU out).")
    Double given;

    private double measured = Double.NaN;

    /**
     * @param err where a measured peak is told
     * @return the peak in GFLOP/s: the given one, else measured on the first call
     * @throws BadInputException when the given value is negative or not a number
     */
    double peak(PrintWriter err) {
        check();
        if (given != null) {
            return given;
        }
        if (Double.isNaN(measured)) {
            dev.quill.autograd.Warmup.stop();      // a warm-up thread still running would take a core from the measurement
            measured = GemmPeak.measure();
            err.println(describe(measured) + "; MFU is over it (--peak-gflops to give it)");
        }
        return measured;
    }

    /**
     * Installs the peak on a run, and a listener that measures it again when a metrics line's MFU is over 100%.
     *
     * @param trainer the run
     * @param err     where the peak and any new measurement are told
     */
    void watch(Trainer trainer, PrintWriter err) {
        double first = peak(err);
        trainer.peakGflops(first);
        trainer.addListener(new TrainListener() {
            private double current = first;
            private int remeasured;
            private boolean toldGiven;

            @Override
            public void onMetrics(ObjectNode line) {   // on the training thread, between two steps
                if (!(line.path("mfu").asDouble() > 1)) {
                    return;
                }
                if (given != null) {
                    if (!toldGiven) {
                        err.printf(Locale.ROOT, "quill: MFU over 100%%: --peak-gflops %.1f is below what this run reaches%n", given);
                        toldGiven = true;
                    }
                    return;
                }
                if (remeasured >= REMEASURES) {
                    return;
                }
                remeasured++;
                double again = GemmPeak.measure();
                if (again > current) {
                    err.printf(Locale.ROOT, "GEMM peak measured again: %.1f GFLOP/s (%.1f at start was read on a busy machine); "
                            + "MFU is over the new figure from here on%n", again, current);
                    current = again;
                    measured = again;
                    trainer.peakGflops(again);
                } else {
                    err.printf(Locale.ROOT, "GEMM peak measured again: %.1f GFLOP/s, not above %.1f; MFU over 100%% means "
                            + "the peak is not what this run reaches (give it with --peak-gflops)%n", again, current);
                }
            }
        });
    }

    /** {@return the MFU part of a progress line: the percentage, and why when it is over 100%} */
    static String describeMfu(double mfu) {
        return mfu <= 1 ? String.format(Locale.ROOT, " | mfu %.1f%%", 100 * mfu)
                : String.format(Locale.ROOT, " | mfu %.1f%% (over 100%%: the peak it is over is too low)", 100 * mfu);
    }

    /**
     * Fails early, before a run starts, on a given value that is negative or not a number.
     *
     * @throws BadInputException naming the value
     */
    void check() {
        if (given != null && (!(given >= 0) || given.isInfinite())) {
            throw new BadInputException("--peak-gflops: " + given + " is not a rate in GFLOP/s (a number >= 0; 0 leaves MFU out)");
        }
    }

    /** {@return one line naming a measured peak and how it was measured} */
    static String describe(double gflops) {
        return String.format(Locale.ROOT, "GEMM peak: %.1f GFLOP/s (Nd4j.gemm %d^3 float32 on each of %d thread(s) at once)",
                gflops, GemmPeak.N, Parallel.threads());
    }
}
