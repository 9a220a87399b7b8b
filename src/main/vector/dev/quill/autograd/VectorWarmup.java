package dev.quill.autograd;

import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets {@link VectorAttention}'s loops compiled before training leans on them. Until C2 compiles a method
 * that uses the Vector API, each vector operation is a Java object made and dropped: tens of times slower
 * than a plain loop. So on first use a daemon thread ({@code quill-vector-warmup}) runs the vector loops on
 * one small head over and over, timing them against their scalar twins ({@link LaneLoops}) on the same
 * head, while the real attention runs the twins. When the vector loops have been as fast as the twins three
 * times in a row (compiled, then: interpreted they are several times slower), or after 20 seconds, the
 * thread marks them ready and ends, and attention switches to them. The twins give the same bits, so when
 * the switch happens changes nothing but speed.
 *
 * <p>{@code -Dquill.vector.warmup=off} runs the vector loops from the first call, without the thread.
 */
final class VectorWarmup {

    private static final Logger LOG = LoggerFactory.getLogger(VectorWarmup.class);
    private static final long GIVE_UP_NANOS = 20_000_000_000L;
    private static volatile boolean done = "off".equals(System.getProperty("quill.vector.warmup"));

    static {
        if (!done) {
            Thread thread = new Thread(VectorWarmup::run, "quill-vector-warmup");
            thread.setDaemon(true);
            thread.setPriority(Thread.MIN_PRIORITY);
            thread.start();
        }
    }

    private VectorWarmup() {
    }

    /** {@return true once the vector loops are compiled (or the warm-up is off or gave up)} */
    static boolean done() {
        return done;
    }

    private static void run() {
        long start = System.nanoTime();
        int fastInARow = 0, rounds = 0;
        try {
            while (fastInARow < 3 && System.nanoTime() - start < GIVE_UP_NANOS) {
                // two shapes, so that every branch of the loops (a lone vector after the pairs, dropout or
                // not) is taken here and not first met, uncompiled, in training
                long vector = round(true, 24, 40, rounds) + round(true, 17, 12, rounds + 1);
                long scalar = round(false, 24, 40, rounds) + round(false, 17, 12, rounds + 1);
                fastInARow = vector <= scalar ? fastInARow + 1 : 0;
                rounds += 2;
            }
        } finally {
            done = true;
        }
        LOG.debug("vector attention loops ready after {} ms ({} warm-up rounds)",
                (System.nanoTime() - start) / 1_000_000, rounds);
    }

    /** Nanoseconds for one head's forward and backward loops on a (t, d) head of random numbers. */
    private static long round(boolean vector, int t, int d, int seed) {
        int lanes = VectorAttention.L;
        int tp = (t + lanes - 1) / lanes * lanes, dp = (d + lanes - 1) / lanes * lanes;
        Random random = new Random(seed);
        float[] q = fill(new float[tp * dp], random), kt = fill(new float[dp * tp], random);
        float[] v = fill(new float[tp * dp], random), y = new float[tp * dp];
        float[] s = new float[tp * tp], g = new float[tp * tp];
        float[] mask = (seed & 2) == 0 ? null : fill(new float[tp * tp], random);
        float scale = 0.125f;
        long t0 = System.nanoTime();
        if (vector) {
            VectorAttention.lower(q, dp, kt, tp, s, d, t);
            VectorAttention.softmaxRows(s, tp, t, scale);
            VectorAttention.mix(s, tp, v, dp, y, dp, t, true);
            VectorAttention.mix(s, tp, v, dp, y, dp, t, false);
            VectorAttention.lower(v, dp, kt, tp, g, d, t);
            VectorAttention.softmaxBackwardRows(g, s, mask, tp, t, scale);
        } else {
            LaneLoops.lower(q, dp, kt, tp, s, d, t, lanes);
            LaneLoops.softmaxRows(s, tp, t, scale, lanes);
            LaneLoops.mix(s, tp, v, dp, y, dp, t, true);
            LaneLoops.mix(s, tp, v, dp, y, dp, t, false);
            LaneLoops.lower(v, dp, kt, tp, g, d, t, lanes);
            LaneLoops.softmaxBackwardRows(g, s, mask, tp, t, scale, lanes);
        }
        return System.nanoTime() - t0;
    }

    private static float[] fill(float[] a, Random random) {
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextFloat() * 2 - 1;
        }
        return a;
    }
}
