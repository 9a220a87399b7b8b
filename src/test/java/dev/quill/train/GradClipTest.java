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
        // FLOAT gradients take the Java loop: lengths across its 4096-float chunks and its 4-wide unrolling
        List<Tensor> params = new java.util.ArrayList<>();
        double expected = 0;
        int seed = 3;
        for (int n : new int[] {8195, 5, 4096, 1}) {
            Tensor p = Tensor.leaf(Nd4j.zeros(DataType.FLOAT, n));
            INDArray g = Nd4j.rand(DataType.FLOAT, n).subi(0.5).muli(seed++);
            p.mul(Tensor.of(g)).sum().backward();                    // d/dp sum(p * g) = g
            for (int i = 0; i < n; i++) {
                double v = g.getFloat(i);
                expected += v * v;
            }
            params.add(p);
        }
        assertThat(GradClip.globalNorm(params)).isCloseTo(Math.sqrt(expected), within(1e-9 * Math.sqrt(expected)));
    }
}
