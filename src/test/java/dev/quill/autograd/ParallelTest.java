package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Quill's threads: the splitting arithmetic, failures and nesting, and the split products and attention
 * against the same arithmetic done whole. The shapes are big enough that the work is really split (on a
 * machine with one core {@link Parallel#threads()} is 1 and the same assertions hold for the whole path).
 */
class ParallelTest {

    @Property(tries = 50)
    void cutsCoverTheRangeInOrderAtTheAlignment(@ForAll @IntRange(min = 0, max = 100_000) int n,
                                                @ForAll @IntRange(min = 1, max = 5000) int minPiece,
                                                @ForAll @IntRange(min = 1, max = 64) int align,
                                                @ForAll @IntRange(min = 0, max = 3) int piecesPerThread) {
        // 0 stands for the default, MAX_PIECES_PER_THREAD
        int perThread = piecesPerThread == 0 ? Parallel.MAX_PIECES_PER_THREAD : piecesPerThread;
        int[] cut = piecesPerThread == 0 ? Parallel.split(n, minPiece, align) : Parallel.split(n, minPiece, align, piecesPerThread);
        assertThat(cut[0]).isZero();
        assertThat(cut[cut.length - 1]).isEqualTo(n);
        assertThat(cut.length - 1).isBetween(1, Parallel.threads() * perThread);
        for (int i = 1; i < cut.length - 1; i++) {
            assertThat(cut[i] % align).isZero();
            assertThat(cut[i]).isGreaterThanOrEqualTo(cut[i - 1]);
        }
        if (n < 2 * minPiece) {
            assertThat(cut).containsExactly(0, n);
        }
    }

    @Test
    void rangeVisitsEveryElementExactlyOnce() {
        int n = 1 << 16;
        AtomicIntegerArray seen = new AtomicIntegerArray(n);
        var threads = ConcurrentHashMap.<String>newKeySet();
        Parallel.range(n, 1024, 16, (from, to) -> {
            threads.add(Thread.currentThread().getName());
            for (int i = from; i < to; i++) {
                seen.incrementAndGet(i);
            }
        });
        for (int i = 0; i < n; i++) {
            assertThat(seen.get(i)).as("element %d", i).isEqualTo(1);
        }
        // which threads took pieces depends on timing (a worker slow to wake takes none): at most all of them
        assertThat(threads.size()).isBetween(1, Parallel.threads());
    }

    @Test
    void aFailureOnAWorkerReachesTheCallerAfterEveryPieceHasFinished() {
        AtomicInteger finished = new AtomicInteger();
        assertThatThrownBy(() -> Parallel.forEach(Parallel.threads(), i -> {
            if (i == Parallel.threads() - 1) {
                throw new IllegalStateException("piece " + i + " failed");
            }
            finished.incrementAndGet();
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("failed");
        assertThat(finished.get()).isEqualTo(Parallel.threads() - 1);
        assertThatThrownBy(() -> Parallel.both(() -> {
            throw new ArithmeticException("a");
        }, () -> { })).isInstanceOf(ArithmeticException.class);
        // and the pool still works afterwards
        AtomicInteger runs = new AtomicInteger();
        Parallel.both(runs::incrementAndGet, runs::incrementAndGet);
        assertThat(runs.get()).isEqualTo(2);
    }

    @Test
    void nestedSplitsRunInlineInsteadOfWaitingOnThemselves() {
        AtomicInteger inner = new AtomicInteger();
        Parallel.forEach(Parallel.threads(), i -> {
            assertThat(Parallel.split(1_000_000, 1, 1)).containsExactly(0, 1_000_000); // already split: one piece
            Parallel.range(1000, 1, 1, (a, b) -> inner.addAndGet(b - a));
        });
        assertThat(inner.get()).isEqualTo(1000 * Parallel.threads());
    }

    @Test
    void splitProductsEqualOneWholeProduct() {
        // (600, 256) @ (384, 256)^T: 59M multiply-adds, split by rows; and its backward through a Linear-shaped
        // (2, 300, 256) input: with fresh gradients, with the GEMM writing over a zeroed gradient (beta 0), and
        // adding into it (beta 1); in the last two dW goes to Parallel.later while dx is made
        INDArray x = TestArrays.randn(51, 2, 300, 256).castTo(DataType.FLOAT);
        INDArray w = TestArrays.randn(52, 384, 256).castTo(DataType.FLOAT);
        INDArray dy = TestArrays.randn(53, 2, 300, 384).castTo(DataType.FLOAT);
        INDArray x2 = x.reshape(600, 256), dy2 = dy.reshape(600, 384);
        INDArray yRef = Nd4j.gemm(x2, w, false, true);
        INDArray dxRef = Nd4j.gemm(dy2, w, false, false);
        INDArray dwRef = Nd4j.gemm(dy2, x2, true, false);
        for (boolean transposed : new boolean[] {true, false}) { // weight stored (out, in), as PyTorch's, or (in, out)
            INDArray wv = transposed ? w : w.transpose().dup('c');
            Tensor xt = Tensor.leaf(x), wt = Tensor.leaf(wv);
            INDArray dwExpected = transposed ? dwRef : dwRef.transpose();
            for (int pass = 0; pass < 3; pass++) {
                if (pass == 1) {
                    xt.zeroGrad();
                    wt.zeroGrad();
                }
                Tensor y = xt.matmul(wt, false, transposed);
                y.backward(dy);
                // pass 0: fresh gradients; pass 1: written over the zeroed ones; pass 2: added to pass 1's
                double times = pass == 2 ? 2 : 1;
                assertThat(maxDiff(y.value().reshape(600, 384), yRef)).isLessThan(1e-3);
                assertThat(maxDiff(xt.grad().reshape(600, 256), dxRef.mul(times))).as("dx, pass %d", pass).isLessThan(2e-3);
                assertThat(maxDiff(wt.grad(), dwExpected.mul(times))).as("dW, pass %d", pass).isLessThan(2e-3);
            }
        }
    }

    @Test
    void attentionSplitOverHeadsEqualsTheCompositeOp() {
        // B 2, nh 4, T 64, hs 32: 2^21 multiply-adds per head, split into pieces of heads
        INDArray q = TestArrays.randn(61, 2, 4, 64, 32).castTo(DataType.FLOAT);
        INDArray k = TestArrays.randn(62, 2, 4, 64, 32).castTo(DataType.FLOAT);
        INDArray v = TestArrays.randn(63, 2, 4, 64, 32).castTo(DataType.FLOAT);
        INDArray dy = TestArrays.randn(64, 2, 4, 64, 32).castTo(DataType.FLOAT);
        Tensor[] fused = {Tensor.leaf(q), Tensor.leaf(k), Tensor.leaf(v)};
        Tensor[] comp = {Tensor.leaf(q.dup()), Tensor.leaf(k.dup()), Tensor.leaf(v.dup())};
        Tensor yf = Tensor.attention(fused[0], fused[1], fused[2], 0.0, null, false);
        Tensor yc = FusedOpTest.attentionComposite(comp[0], comp[1], comp[2], 0.0, null, false);
        yf.backward(dy);
        yc.backward(dy);
        assertThat(maxDiff(yf.value(), yc.value())).isLessThan(1e-5);
        for (int i = 0; i < 3; i++) {
            assertThat(maxDiff(fused[i].grad(), comp[i].grad())).as("gradient %d", i).isLessThan(1e-4);
        }
    }

    @Test
    void everyLaterTaskHasRunWhenAwaitLaterReturns() {
        AtomicInteger done = new AtomicInteger();
        var threads = ConcurrentHashMap.<String>newKeySet();
        for (int i = 0; i < 64; i++) {
            Parallel.later(() -> {
                long until = System.nanoTime() + 20_000;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
                threads.add(Thread.currentThread().getName());
                done.incrementAndGet();
            });
        }
        Parallel.awaitLater();
        assertThat(done.get()).isEqualTo(64);
        assertThat(threads.size()).isBetween(1, Parallel.threads());
        Parallel.awaitLater(); // nothing left: returns at once
    }

    @Test
    void awaitingOneLaterTaskReturnsOnceItHasRun() {
        AtomicInteger first = new AtomicInteger(), second = new AtomicInteger();
        Parallel.Pending p = Parallel.later(() -> {
            long until = System.nanoTime() + 2_000_000;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            first.set(1);
        });
        Parallel.Pending q = Parallel.later(() -> second.set(1));
        q.await();                               // taken back and run here, or waited for
        assertThat(second.get()).isEqualTo(1);
        p.await();
        assertThat(first.get()).isEqualTo(1);
        Parallel.awaitLater();
    }

    @Test
    void aLaterFailureReachesTheNextAwaitLaterOnce() {
        AtomicInteger done = new AtomicInteger();
        Parallel.later(() -> {
            throw new ArithmeticException("later task failed");
        });
        Parallel.later(done::incrementAndGet);
        assertThatThrownBy(Parallel::awaitLater).isInstanceOf(ArithmeticException.class)
                .hasMessageContaining("later task failed");
        assertThat(done.get()).isEqualTo(1);     // the other task still ran
        Parallel.awaitLater();                   // reported once
    }

    @Test
    void aWeightUsedByTwoProductsGetsBothInEveryPass() {
        // W (384, 256) used by two Linear products in one graph: its two weight-gradient GEMMs are each handed to
        // Parallel.later from the second pass on, back to back (the inputs want no gradient, so no dx is made
        // between them), and the second must wait for the first
        INDArray x1 = TestArrays.randn(71, 2, 300, 256).castTo(DataType.FLOAT);
        INDArray x2 = TestArrays.randn(72, 2, 300, 256).castTo(DataType.FLOAT);
        INDArray w = TestArrays.randn(73, 384, 256).castTo(DataType.FLOAT);
        INDArray dy = TestArrays.randn(74, 2, 300, 384).castTo(DataType.FLOAT);
        INDArray dy2 = dy.reshape(600, 384);
        INDArray dwRef = Nd4j.gemm(dy2, x1.reshape(600, 256), true, false)
                .add(Nd4j.gemm(dy2, x2.reshape(600, 256), true, false));
        Tensor wt = Tensor.leaf(w);
        for (int pass = 0; pass < 3; pass++) {
            if (pass == 1) {
                wt.zeroGrad();
            }
            Tensor y = Tensor.of(x1).matmul(wt, false, true).add(Tensor.of(x2).matmul(wt, false, true));
            y.backward(dy);
            double times = pass == 2 ? 2 : 1;
            assertThat(maxDiff(wt.grad(), dwRef.mul(times))).as("dW, pass %d", pass).isLessThan(4e-3);
        }
    }

    @Test
    void readingAGradientWaitsForItsProductStillQueued() {
        // the one worker is kept busy by a long later() task, so the weight's product stays in the queue: a read
        // must take it back and run it (Gradient.settle), not return the array as the previous pass left it
        assumeTrue(Parallel.threads() == 2, "needs exactly one worker (quill.threads=2)");
        Tensor wt = Tensor.leaf(TestArrays.randn(81, 8, 4).castTo(DataType.FLOAT));
        Tensor x = Tensor.leaf(TestArrays.randn(82, 3, 5, 4).castTo(DataType.FLOAT));
        x.matmul(wt, false, true).backward(Nd4j.ones(DataType.FLOAT, 3, 5, 8));      // wt now has a gradient array
        wt.zeroGrad();
        INDArray a = TestArrays.randn(83, 15, 4).castTo(DataType.FLOAT), d = TestArrays.randn(84, 15, 8).castTo(DataType.FLOAT);
        Parallel.later(() -> {
            long until = System.nanoTime() + 300_000_000L;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        });
        try {
            assertThat(wt.gradient().addProductLater(d, a, true, false)).isTrue();
            assertThat(maxDiff(wt.grad(), Nd4j.gemm(d, a, true, false))).isLessThan(1e-4);
        } finally {
            Parallel.awaitLater();
        }
    }

    @Test
    void aBigPassMakesItsWeightProductsAtOnce() {
        // a big pass frees its arrays before it ends, so a product must not read them later
        Tensor wt = Tensor.leaf(TestArrays.randn(75, 8, 4).castTo(DataType.FLOAT));
        Tensor x = Tensor.leaf(TestArrays.randn(76, 3, 5, 4).castTo(DataType.FLOAT));
        x.matmul(wt, false, true).backward(Nd4j.ones(DataType.FLOAT, 3, 5, 8));      // wt now has a gradient array
        INDArray a = TestArrays.randn(77, 15, 4).castTo(DataType.FLOAT), d = TestArrays.randn(78, 15, 8).castTo(DataType.FLOAT);
        GradientBuffers.begin();
        try {
            assertThat(wt.gradient().addProductLater(d, a, true, false)).isFalse();
        } finally {
            GradientBuffers.end();
        }
        assertThat(wt.gradient().addProductLater(d, a, true, false)).isTrue();
        INDArray expected = Nd4j.ones(DataType.FLOAT, 15, 8).transpose().mmul(x.value().reshape(15, 4))
                .add(Nd4j.gemm(d, a, true, false));
        assertThat(maxDiff(wt.grad(), expected)).isLessThan(1e-4);       // read() waits for the product
    }

    private static double maxDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }
}
