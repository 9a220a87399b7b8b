package dev.quill.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.quill.autograd.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GradClipTest {

    @Test
    void clipsTheGlobalNormAndLeavesSmallGradientsAlone() {
        Tensor a = Tensor.leaf(Nd4j.createFromArray(1.0, 2.0));
        Tensor b = Tensor.leaf(Nd4j.createFromArray(new double[][] {{2.0}}));
        a.mul(Tensor.of(Nd4j.createFromArray(3.0, 4.0))).sum().add(b.mul(12.0).sum()).backward();
        // gradients (3, 4) and (12): global norm sqrt(9 + 16 + 144) = 13
        double norm = GradClip.clip(List.of(a, b), 1.3);
        assertThat(norm).isEqualTo(13.0);
        assertThat(GradClip.globalNorm(List.of(a, b))).isCloseTo(1.3, within(1e-6));
        assertThat(a.grad().getDouble(0) / a.grad().getDouble(1)).isCloseTo(0.75, within(1e-12)); // direction kept
        double again = GradClip.clip(List.of(a, b), 5.0);
        assertThat(again).isCloseTo(1.3, within(1e-6));
        assertThat(GradClip.globalNorm(List.of(a, b))).isCloseTo(1.3, within(1e-6)); // untouched below the limit
    }

    @Test
    void floatGradientsAcrossChunksGiveTheExactNorm() {
        // FLOAT gradients take the Java loop: lengths across its 4096-float chunks, its 4-wide unrolling and
        // its 65,536-float blocks (shared among Quill's threads)
        List<Tensor> params = new java.util.ArrayList<>();
        double expected = 0;
        int seed = 3;
        for (int n : new int[] {8195, 5, 4096, 1, 3 * 65_536 + 7}) {
            Tensor p = Tensor.leaf(Nd4j.zeros(DataType.FLOAT, n));
            INDArray g = Nd4j.rand(DataType.FLOAT, n).subi(0.5).muli(seed++);
            p.mul(Tensor.of(g)).sum().backward();                    // d/dp sum(p * g) = g
            for (int i = 0; i < n; i++) {
                double v = g.getFloat(i);
                expected += v * v;
            }
            params.add(p);
        }
        double norm = Math.sqrt(expected);
        // each square is rounded to float (2^-24), and the Vector API path adds at most 64 of them per lane in
        // float before a double takes over: the sum is within 65 * 2^-24 = 3.9e-6 of exact, the norm within
        // half that; a missed or doubled chunk would be off by more than 1e-3 here
        assertThat(GradClip.globalNorm(params)).isCloseTo(norm, within(2e-6 * norm));
        // clipping scales every FLOAT gradient in place by max / (norm + 1e-6), here about a half
        INDArray last = params.get(params.size() - 1).grad().dup();
        GradClip.clip(params, norm / 2);
        float scale = (float) (norm / 2 / (norm + 1e-6));
        INDArray after = params.get(params.size() - 1).grad();
        for (long i : new long[] {0, 65_535, 65_536, after.length() - 1}) {
            assertThat(after.getFloat(i)).isEqualTo(last.getFloat(i) * scale);
        }
        assertThat(GradClip.globalNorm(params)).isCloseTo(norm / 2, within(1e-6 * norm));
    }
}
