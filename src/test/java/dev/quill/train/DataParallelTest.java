package dev.quill.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.config.ConfigJson;
import dev.quill.model.Safetensors;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Data-parallel training with two real processes on 127.0.0.1 (Gloo over loopback), against one process at
 * the global batch in this JVM: the same losses at every step and the same weights at the end, within float
 * rounding; identical weights on both ranks; a negative control at half the batch that differs. Then, with
 * gradient accumulation, a worker killed mid-run: the other stops with an error in bounded time, and both
 * resume from the last checkpoint to the uninterrupted run's losses and weights.
 */
class DataParallelTest {

    static final int STEPS = 30;
    static final double TOL = 1e-5;

    @BeforeAll
    static void loadGlooOnce() {
        // JavaCPP unpacks libtorch into ~/.javacpp/cache on first use; done here, once, before two processes race to it
        NativeLibraries.loadTorch();
    }

    @Test
    void twoProcessesTrainLikeOneAtTheGlobalBatch(@TempDir Path dir) throws Exception {
        List<Path> weights = launch(dir.resolve("dp"), 4, 1, 0, false, 0, 0);
        Path ref = single(dir.resolve("one"), 8, 1);
        Path control = single(dir.resolve("half"), 4, 1);

        List<Double> dp = losses(dir.resolve("dp")), one = losses(ref);
        assertThat(dp).hasSize(STEPS);
        for (int i = 0; i < STEPS; i++) {
            assertThat(Math.abs(dp.get(i) - one.get(i))).as("train_loss at step %d: %s vs %s", i + 1, dp.get(i), one.get(i))
                    .isLessThanOrEqualTo(TOL);
        }
        assertThat(valLosses(dir.resolve("dp"))).hasSize(3);
        assertClose(valLosses(dir.resolve("dp")), valLosses(ref));
        assertThat(maxRelDiff(read(weights.get(0)), read(weights.get(1)))).as("rank 0 vs rank 1 weights").isZero();
        assertThat(maxRelDiff(read(weights.get(0)), read(ref.resolve("weights.safetensors")))).isLessThanOrEqualTo(TOL);

        // the control: one process at half the batch sees other data, so the comparison above can fail
        List<Double> half = losses(control);
        double worst = 0;
        for (int i = 0; i < STEPS; i++) {
            worst = Math.max(worst, Math.abs(half.get(i) - dp.get(i)));
        }
        assertThat(worst).isGreaterThan(100 * TOL);
    }

    @Test
    void withAccumulationAKilledWorkerStopsTheOtherAndTheRunResumesExactly(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("dp");
        long t0 = System.nanoTime();
        List<Integer> codes = new ArrayList<>();
        launch(out, 2, 2, 10, false, 15, 20, codes);   // 2 x 2 rows x 2 micro-batches; rank 1 halts at step 15
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.println("killed run ended after " + seconds + " s; rank 0 said: " + Files.readString(out.resolve("rank0.err")).lines()
                .filter(l -> l.startsWith("worker")).findFirst().orElse("?"));
        assertThat(codes.get(1)).isEqualTo(137);
        assertThat(codes.get(0)).as("rank 0 must fail, not finish").isEqualTo(1);
        assertThat(Files.readString(out.resolve("rank0.err"))).contains("peer");
        assertThat(seconds).as("both processes ended within the collective timeout plus start-up").isLessThan(90);
        assertThat(ConfigJson.MAPPER.readTree(out.resolve("last/trainer_state.json").toFile()).get("step").asInt()).isEqualTo(10);

        List<Path> weights = launch(out, 2, 2, 10, true, 0, 0);
        Path ref = single(dir.resolve("one"), 4, 2);
        assertClose(losses(out), losses(ref));
        assertThat(maxRelDiff(read(weights.get(0)), read(ref.resolve("weights.safetensors")))).isLessThanOrEqualTo(TOL);
        assertThat(maxRelDiff(read(weights.get(0)), read(weights.get(1)))).isZero();
    }

    // ------------------------------------------------------------------ helpers

    private static List<Path> launch(Path out, int batch, int accum, int ckpt, boolean resume, int dieAt, int timeoutS)
            throws Exception {
        return launch(out, batch, accum, ckpt, resume, dieAt, timeoutS, new ArrayList<>());
    }

    /** Runs two workers to the end (at most 3 minutes), destroying both in any case; collects their exit codes. */
    private static List<Path> launch(Path out, int batch, int accum, int ckpt, boolean resume, int dieAt, int timeoutS,
                                     List<Integer> codes) throws Exception {
        Files.createDirectories(out);
        int port = freePort();
        List<Process> ps = new ArrayList<>();
        List<Path> weights = new ArrayList<>();
        try {
            for (int rank = 0; rank < 2; rank++) {
                Path w = out.resolve("rank" + rank + ".safetensors");
                weights.add(w);
                String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
                ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx768m", "-Dquill.threads=1", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-cp", cp,
                        DataParallelWorker.class.getName(), out.toString(), "" + batch, "" + accum, "" + STEPS, "" + ckpt,
                        "" + resume, "" + dieAt, w.toString());
                Map<String, String> env = pb.environment();
                env.put("RANK", "" + rank);
                env.put("WORLD_SIZE", "2");
                env.put("MASTER_ADDR", "127.0.0.1");
                env.put("MASTER_PORT", "" + port);
                env.put("QUILL_COLLECTIVE_TIMEOUT", "" + (timeoutS > 0 ? timeoutS : 60));
                env.put("OMP_NUM_THREADS", "1");
                env.put("OPENBLAS_NUM_THREADS", "1");
                pb.redirectErrorStream(true).redirectOutput(out.resolve("rank" + rank + ".err").toFile());
                ps.add(pb.start());
            }
            for (int rank = 0; rank < 2; rank++) {
                Process p = ps.get(rank);
                assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("rank %d ended in time", rank).isTrue();
                codes.add(p.exitValue());
                if (dieAt == 0) {
                    assertThat(p.exitValue()).as("rank %d: %s", rank, Files.readString(out.resolve("rank" + rank + ".err")))
                            .isZero();
                }
            }
        } finally {
            ps.forEach(Process::destroyForcibly);
        }
        return weights;
    }

    /** One process in this JVM at the given batch; its weights go to out/weights.safetensors. */
    private static Path single(Path out, int batch, int accum) throws IOException {
        DataParallelWorker.Run run = DataParallelWorker.run(Collective.single(), batch, accum, STEPS, 0, out);
        run.trainer().run();
        Safetensors.write(out.resolve("weights.safetensors"), DataParallelWorker.weights(run.gpt()), Map.of());
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static List<Double> losses(Path out) throws IOException {
        return column(out, "train_loss");
    }

    private static List<Double> valLosses(Path out) throws IOException {
        return column(out, "val_loss");
    }

    private static List<Double> column(Path out, String key) throws IOException {
        List<Double> l = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve("metrics.jsonl"))) {
            var n = ConfigJson.MAPPER.readTree(line).get(key);
            if (n != null) {
                l.add(n.asDouble());
            }
        }
        return l;
    }

    private static void assertClose(List<Double> a, List<Double> b) {
        assertThat(a).hasSameSizeAs(b);
        for (int i = 0; i < a.size(); i++) {
            assertThat(Math.abs(a.get(i) - b.get(i))).as("entry %d: %s vs %s", i, a.get(i), b.get(i)).isLessThanOrEqualTo(TOL);
        }
    }

    private static Map<String, INDArray> read(Path f) throws IOException {
        return Safetensors.read(f).tensors();
    }

    /** The largest over the weight tensors of max |a - b| / max |b|: each difference relative to its tensor's scale. */
    private static double maxRelDiff(Map<String, INDArray> a, Map<String, INDArray> b) {
        assertThat(a.keySet()).isEqualTo(b.keySet());
        double worst = 0;
        for (String k : a.keySet()) {
            double[] x = a.get(k).dup().data().asDouble(), y = b.get(k).dup().data().asDouble();
            double diff = 0, scale = 0;
            for (int i = 0; i < x.length; i++) {
                diff = Math.max(diff, Math.abs(x[i] - y[i]));
                scale = Math.max(scale, Math.abs(y[i]));
            }
            worst = Math.max(worst, diff / scale);
        }
        System.out.println("weights: largest difference relative to the tensor's scale " + worst);
        return worst;
    }
}
