package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The Vector API attention reads the packed (B, T, 3C) projection a whole sequence at a time when T and hs are
 * whole vectors, and copies separate (B, nh, T, hs) arrays a head at a time. The arithmetic is the same, only
 * where the numbers are read from differs, so the two must agree to the bit, forward and backward.
 */
class WholeSequenceCopiesTest {

    private static final int B = 4;   // sequences enough for pieces of whole sequences on two threads
    private static final int NH = 4;
    private static final int T = 64;
    private static final int HS = 32;
    private static final int C = NH * HS;

    @Test
    void packedHeadsCopiedWholeGiveTheBitsOfHeadsCopiedOneByOne() {
        assertThat(Kernels.vector()).as("surefire's argLine adds jdk.incubator.vector").isTrue();
        INDArray qkv = TestArrays.randn(61, B, T, 3L * C).castTo(DataType.FLOAT);
        INDArray dy = TestArrays.randn(62, B, T, C).castTo(DataType.FLOAT);
        assertThat(VectorAttention.copiesWhole(QkvAttentionOp.heads(qkv, 0, NH, HS), QkvAttentionOp.heads(qkv, 1, NH, HS),
                QkvAttentionOp.heads(qkv, 2, NH, HS))).as("the op's views of the projection: a sequence at a time").isTrue();
        assertThat(VectorAttention.copiesWhole(heads(qkv, 0), heads(qkv, 1), heads(qkv, 2)))
                .as("separate arrays are copied a head at a time").isFalse();
        for (double p : new double[] {0.0, 0.2}) {
            Tensor packed = Tensor.leaf(qkv.dup());
            Tensor y = Tensor.causalSelfAttention(packed, NH, p, new Rng(7), true);   // (B, T, C)
            y.backward(dy);

            Tensor q = Tensor.leaf(heads(qkv, 0)), k = Tensor.leaf(heads(qkv, 1)), v = Tensor.leaf(heads(qkv, 2));
            Tensor y4 = Tensor.attention(q, k, v, p, new Rng(7), true);               // (B, nh, T, hs)
            y4.backward(heads(dy, 0));

            assertThat(heads(y.value(), 0)).as("y, dropout %s", p).isEqualTo(y4.value());
            assertThat(heads(packed.grad(), 0)).as("dq, dropout %s", p).isEqualTo(q.grad());
            assertThat(heads(packed.grad(), 1)).as("dk, dropout %s", p).isEqualTo(k.grad());
            assertThat(heads(packed.grad(), 2)).as("dv, dropout %s", p).isEqualTo(v.grad());
        }
    }

    /** Part i (q, k or v) of a (B, T, (i + 1) C or more) array as a contiguous (B, nh, T, hs) array of its own. */
    private static INDArray heads(INDArray a, int i) {
        INDArray cols = a.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval((long) i * C, (long) (i + 1) * C));
        return cols.dup('c').reshape(B, T, NH, HS).permute(0, 2, 1, 3).dup('c');
    }
}
