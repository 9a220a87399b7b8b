package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The engine's bookkeeping: accumulation, graph order, no-grad mode, and clear failures on bad use. */
class EngineTest {

    @Test
    void gradientsAccumulateAcrossBackwardCallsUntilZeroed() {
        Tensor x = Tensor.leaf(Nd4j.createFromArray(1.0, 2.0, 3.0));
        x.mul(2.0).sum().backward();
        x.mul(2.0).sum().backward();
        assertThat(x.grad().toDoubleVector()).containsExactly(4.0, 4.0, 4.0);
        x.zeroGrad();
        assertThat(x.grad().toDoubleVector()).containsExactly(0.0, 0.0, 0.0);
    }

    @Test
    void aTensorUsedTwiceReceivesBothGradients() {
        // y = x * x  => dy/dx = 2x, from the two uses of x in one op
        Tensor x = Tensor.leaf(Nd4j.createFromArray(3.0, -1.0));
        x.mul(x).sum().backward();
        assertThat(x.grad().toDoubleVector()).containsExactly(6.0, -2.0);
    }

    @Test
    void aGradientPassedThroughUnchangedIsSharedButNeverWrittenThrough() {
        // y = a + b hands the same dy to a, b and (retained) y without copies; a later accumulation into one
        // of them must leave the others alone, and grad() must give each caller an array of its own.
        Tensor a = Tensor.leaf(Nd4j.createFromArray(1.0, 2.0));
        Tensor b = Tensor.leaf(Nd4j.createFromArray(3.0, 4.0));
        Tensor y = a.add(b).retainGrad();
        y.sum().backward();
        a.mul(3.0).sum().backward();                          // a += 3: a second accumulation into a shared grad
        assertThat(a.grad().toDoubleVector()).containsExactly(4.0, 4.0);
        assertThat(b.grad().toDoubleVector()).containsExactly(1.0, 1.0);
        assertThat(y.grad().toDoubleVector()).containsExactly(1.0, 1.0);
        b.grad().muli(10.0);                                   // as gradient clipping does, in place
        assertThat(y.grad().toDoubleVector()).containsExactly(1.0, 1.0);
        assertThat(a.grad().toDoubleVector()).containsExactly(4.0, 4.0);
        INDArray seed = Nd4j.createFromArray(1.0, 1.0);
        Tensor z = a.mul(1.0).retainGrad();
        z.backward(seed);
        seed.muli(7.0);                                        // the caller's seed is not the gradient
        assertThat(z.grad().toDoubleVector()).containsExactly(1.0, 1.0);
    }

    @Test
    void elementwiseAndNormBackwardsWriteOverAGradientNothingElseHoldsWithTheSameBits() {
        // loss = sum(op(x W) * c): op's output gradient (from the product with the constant c) is an array of
        // its own, so GELU's and LayerNorm's backward write dL/d(x W) over it; retaining that output's gradient
        // must make them copy instead, leave the retained gradient as it was (c), and give x and W the same bits.
        INDArray x = TestArrays.randn(81, 6, 40).castTo(DataType.FLOAT), w = TestArrays.randn(82, 40, 70).castTo(DataType.FLOAT);
        INDArray c = TestArrays.randn(83, 6, 70).castTo(DataType.FLOAT);
        INDArray gain = TestArrays.randn(84, 70).castTo(DataType.FLOAT), bias = TestArrays.randn(85, 70).castTo(DataType.FLOAT);
        for (String op : new String[] {"gelu", "gelu_tanh", "layernorm"}) {
            INDArray[] grads = new INDArray[4];
            for (int run = 0; run < 2; run++) {
                Tensor xt = Tensor.leaf(x.dup()), wt = Tensor.leaf(w.dup());
                Tensor h = xt.matmul(wt);
                Tensor y = switch (op) {
                    case "gelu" -> h.gelu();
                    case "gelu_tanh" -> h.geluTanh();
                    default -> h.layerNorm(Tensor.leaf(gain.dup()), Tensor.leaf(bias.dup()), 1e-5);
                };
                if (run == 1) {
                    y.retainGrad();
                }
                y.mul(Tensor.leaf(c.dup())).sum().backward();
                grads[2 * run] = xt.grad().dup();
                grads[2 * run + 1] = wt.grad().dup();
                if (run == 1) {
                    assertThat(y.grad()).as(op + ": the retained gradient").isEqualTo(c);
                }
            }
            assertThat(grads[0]).as(op + ": dL/dx, written over dy against copying").isEqualTo(grads[2]);
            assertThat(grads[1]).as(op + ": dL/dW").isEqualTo(grads[3]);
        }
    }

    @Test
    void diamondGraphVisitsEachOpOnce() {
        // a = 2x, b = a + a, c = a * b = 4x^2 * ... : L = sum(a * (a + a)) = sum(2 a^2) = 8 x^2, dL/dx = 16 x
        Tensor x = Tensor.leaf(Nd4j.createFromArray(1.0, 0.5));
        Tensor a = x.mul(2.0);
        a.mul(a.add(a)).sum().backward();
        assertThat(x.grad().toDoubleVector()).containsExactly(16.0, 8.0);
    }

    @Test
    void intermediatesDropTheirGradientUnlessRetained() {
        Tensor x = Tensor.leaf(Nd4j.createFromArray(1.0, 2.0));
        Tensor h = x.mul(3.0);
        Tensor kept = x.mul(5.0).retainGrad();
        h.add(kept).sum().backward();
        assertThat(h.grad()).isNull();
        assertThat(kept.grad().toDoubleVector()).containsExactly(1.0, 1.0);
    }

    @Test
    void noGradModeRecordsNothing() {
        Tensor x = Tensor.leaf(Nd4j.createFromArray(1.0, 2.0));
        Tensor y;
        try (GradMode g = GradMode.off()) {
            y = x.mul(2.0).exp();
            assertThat(GradMode.isEnabled()).isFalse();
        }
        assertThat(GradMode.isEnabled()).isTrue();
        assertThat(y.requiresGrad()).isFalse();
        assertThat(y.creator()).isNull();
        assertThatThrownBy(() -> y.sum().backward()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("does not depend on anything that requires a gradient");
    }

    @Test
    void backwardOfANonScalarNeedsASeed() {
        Tensor x = Tensor.leaf(Nd4j.rand(DataType.DOUBLE, 2, 3));
        Tensor y = x.mul(2.0);
        assertThatThrownBy(y::backward).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("seed").hasMessageContaining("(2, 3)");
        y.backward(Nd4j.ones(DataType.DOUBLE, 2, 3));
        assertThat(x.grad().getDouble(1, 2)).isEqualTo(2.0);
    }

    @Test
    void shapeMismatchesNameTheOpAndBothShapes() {
        Tensor a = Tensor.leaf(Nd4j.rand(DataType.FLOAT, 2, 5, 384));
        Tensor w = Tensor.leaf(Nd4j.rand(DataType.FLOAT, 128, 512));
        assertThatThrownBy(() -> a.matmul(w)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("matmul: (2, 5, 384) x (128, 512): inner dims differ (384 vs 128)");
        Tensor b = Tensor.leaf(Nd4j.rand(DataType.FLOAT, 3, 4));
        Tensor c = Tensor.leaf(Nd4j.rand(DataType.FLOAT, 3, 5));
        assertThatThrownBy(() -> b.add(c)).hasMessageContaining("add: shapes (3, 4) and (3, 5) do not broadcast");
        assertThatThrownBy(() -> b.reshape(5, -1)).hasMessageContaining("reshape: cannot view shape (3, 4)");
        Tensor d = Tensor.leaf(Nd4j.rand(DataType.DOUBLE, 3, 4));
        assertThatThrownBy(() -> b.mul(d)).hasMessageContaining("mul: data types differ");
    }

    @Test
    void badIdsAndTargetsAreReported() {
        Tensor table = Tensor.leaf(Nd4j.rand(DataType.FLOAT, 5, 3));
        assertThatThrownBy(() -> table.embedding(Nd4j.createFromArray(1, 7)))
                .hasMessageContaining("id 7 at position 1 is outside the table's 5 rows");
        Tensor logits = Tensor.leaf(Nd4j.rand(DataType.FLOAT, 2, 5));
        assertThatThrownBy(() -> logits.crossEntropy(Nd4j.createFromArray(0, 9), -1))
                .hasMessageContaining("target 9 at row 1 is outside the vocabulary of 5");
    }

    @Test
    void aReleasedTensorFailsClearly() {
        Tensor t = Tensor.leaf(Nd4j.rand(DataType.FLOAT, 4, 4)).named("w");
        t.release();
        assertThatThrownBy(t::value).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tensor 'w' was released");
        assertThatThrownBy(() -> t.add(1.0)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aViewOfAParameterIsAStepIntermediateWithItsGradientInTheScope() {
        // a slice of a parameter (the position table's first T rows) shares the parameter's memory, but it is
        // the op's output: its gradient is made in the step's scope, and only the parameter's lives outside
        Tensor param = Tensor.parameter(Nd4j.rand(DataType.FLOAT, 4, 3), "wpe");
        Tensor rows;
        try (MemoryScope scope = MemoryScope.open("test-step")) {
            rows = param.slice(0, 0, 2).retainGrad();                     // (2, 3), a view of param
            assertThat(rows.value().isAttached()).isFalse();
            rows.mul(Tensor.of(Nd4j.ones(DataType.FLOAT, 2, 3).muli(3.0))).sum().backward();
            assertThat(rows.grad().isAttached()).as("the slice's gradient is in the scope").isTrue();
            assertThat(param.grad().isAttached()).isFalse();
        }
        assertThatThrownBy(rows::value).hasMessageContaining("memory scope 'test-step', which has closed");
        INDArray g = param.grad();
        assertThat(g.getRow(0).sumNumber().doubleValue()).isEqualTo(9.0);   // 3 per element of the first two rows
        assertThat(g.getRow(3).sumNumber().doubleValue()).isEqualTo(0.0);
    }

    @Test
    void aTensorFromAClosedScopeFailsClearlyAndParametersSurvive() {
        Tensor param = Tensor.parameter(Nd4j.rand(DataType.FLOAT, 3, 3), "p");
        Tensor escaped;
        try (MemoryScope scope = MemoryScope.open("test-step")) {
            escaped = param.mul(2.0);
            escaped.sum().backward();
            assertThat(escaped.value().isAttached()).isTrue();
        }
        assertThatThrownBy(escaped::value).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("memory scope 'test-step', which has closed");
        // the parameter and its gradient were allocated outside the scope and are still usable
        assertThat(param.value().isAttached()).isFalse();
        assertThat(param.grad().isAttached()).isFalse();
        assertThat(param.grad().sumNumber().doubleValue()).isEqualTo(18.0);
        // and the raw array of an escaped tensor is refused by ND4J itself, as a Java exception
        try (MemoryScope scope = MemoryScope.open("test-step")) {
            INDArray leaked = Nd4j.ones(DataType.FLOAT, 2);
            scope.close();
            assertThatThrownBy(() -> leaked.addi(1.0)).isInstanceOf(RuntimeException.class)
                    .hasMessageContaining("leaked workspace pointer");
        }
    }

    @Test
    void scopesMustCloseInOrder() {
        try (MemoryScope outer = MemoryScope.open("outer")) {
            MemoryScope inner = MemoryScope.open("inner");
            assertThatThrownBy(outer::close).hasMessageContaining("inner scope 'inner' is still open");
            inner.close();
        }
    }

    @Test
    void dropoutIsTheIdentityInEvalAndScalesKeptValuesInTraining() {
        Tensor x = Tensor.leaf(Nd4j.ones(DataType.DOUBLE, 1000));
        assertThat(x.dropout(0.5, new Rng(1), false)).isSameAs(x);
        double[] y = x.dropout(0.25, new Rng(1), true).value().toDoubleVector();
        long zeros = java.util.Arrays.stream(y).filter(v -> v == 0.0).count();
        assertThat(java.util.Arrays.stream(y).filter(v -> v != 0.0)).allMatch(v -> Math.abs(v - 1 / 0.75) < 1e-12);
        assertThat(zeros).isBetween(200L, 300L); // 250 expected; 5 standard deviations is ~68
        // the mask comes from the generator: another seed drops other elements
        double[] other = x.dropout(0.25, new Rng(2), true).value().toDoubleVector();
        assertThat(other).isNotEqualTo(y);
        double[] again = x.dropout(0.25, new Rng(1), true).value().toDoubleVector();
        assertThat(again).containsExactly(y);
    }

    @Test
    void largeLogitsStayFinite() {
        Tensor logits = Tensor.leaf(Nd4j.createFromArray(new double[][] {{1000.0, 0.0, -1000.0}}));
        Tensor loss = logits.crossEntropy(Nd4j.createFromArray(1), -1);
        assertThat(loss.item()).isCloseTo(1000.0, org.assertj.core.data.Offset.offset(1e-9));
        loss.backward();
        assertThat(logits.grad().toDoubleVector()).containsExactly(1.0, -1.0, 0.0);
        assertThat(logits.softmax().value().toDoubleVector()).containsExactly(1.0, 0.0, 0.0);
        assertThat(logits.logSoftmax().value().toDoubleVector()).containsExactly(0.0, -1000.0, -2000.0);
    }

    @Test
    void aNaNScalarGivesNaN() {
        // ND4J alone computes 2 * NaN as 2e-5; the engine must not inherit that
        Tensor x = Tensor.leaf(Nd4j.createFromArray(2.0f, 3.0f));
        assertThat(java.util.Arrays.stream(x.mul(Double.NaN).value().toDoubleVector()).allMatch(Double::isNaN)).isTrue();
        assertThat(java.util.Arrays.stream(x.add(Double.NaN).value().toDoubleVector()).allMatch(Double::isNaN)).isTrue();
        assertThat(x.mul(2.0).value().toDoubleVector()).containsExactly(4.0, 6.0);
    }

    @Test
    void floatAdditionAndGradientSumsAreExact() {
        // float sums of two terms are exact to compare, element by element
        INDArray a = TestArrays.randn(63, 7, 14_286).castTo(DataType.FLOAT);
        INDArray b = TestArrays.randn(64, 7, 14_286).castTo(DataType.FLOAT);
        INDArray d = TestArrays.randn(65, 100_009).castTo(DataType.FLOAT);
        for (INDArray[] pair : new INDArray[][] {{a, b}, {d, d.mul(3)}}) {
            float[] x = pair[0].data().asFloat(), y = pair[1].data().asFloat();
            float[] sum = Tensor.of(pair[0]).add(Tensor.of(pair[1])).value().data().asFloat();
            for (int i = 0; i < x.length; i++) {
                assertThat(sum[i]).isEqualTo(x[i] + y[i]);
            }
        }
        // a leaf used twice: the second gradient is added into the first (own array, then shared)
        Tensor leaf = Tensor.leaf(a);
        leaf.mul(2.0).add(leaf.mul(3.0)).backward(b);
        Tensor leaf2 = Tensor.leaf(a);
        leaf2.add(leaf2.mul(3.0)).backward(b);
        float[] g = leaf.grad().data().asFloat(), g2 = leaf2.grad().data().asFloat(), dy = b.data().asFloat();
        for (int i = 0; i < dy.length; i++) {
            assertThat(g[i]).isEqualTo(2 * dy[i] + 3 * dy[i]);
            assertThat(g2[i]).isEqualTo(dy[i] + 3 * dy[i]);
        }
    }

    @Test
    void floatEmbeddingGradientSumsTheRowsOfEachId() {
        // ids with repeats; each table row's gradient is the sum, in double, of dy's rows with that id
        int[][] ids = {{0, 2, 0}, {4, 0, 1}};
        INDArray dy = TestArrays.randn(70, 2, 3, 4).castTo(DataType.FLOAT);
        Tensor table = Tensor.leaf(TestArrays.randn(71, 5, 4).castTo(DataType.FLOAT));
        table.embedding(Nd4j.createFromArray(ids)).backward(dy);
        for (int v = 0; v < 5; v++) {
            for (int j = 0; j < 4; j++) {
                double sum = 0;
                for (int b = 0; b < 2; b++) {
                    for (int t = 0; t < 3; t++) {
                        sum += ids[b][t] == v ? dy.getFloat(b, t, j) : 0f;
                    }
                }
                assertThat(table.grad().getFloat(v, j)).as("row %d col %d", v, j).isEqualTo((float) sum);
            }
        }
    }
}
