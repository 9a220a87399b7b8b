package dev.quill.model;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link RowDots}' sums in SIMD registers through the JDK's Vector API (the incubator module
 * {@code jdk.incubator.vector}, loaded only where {@link dev.quill.autograd.Kernels#vector} says it is there).
 * Two vectors of partial sums hide the latency of one fused multiply-add; int8 weights are widened to float
 * a vector at a time (one byte per float lane: a 128-bit load for 16 float lanes).
 */
final class VectorRowDots {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * Byte.SIZE));

    private VectorRowDots() {
    }

    /** sum_i a[i] b[i] for i &lt; n. */
    static float dot(float[] a, float[] b, int n) {
        return dot(a, 0, b, 0, n);
    }

    /** sum_i a[aOff + i] b[bOff + i] for i &lt; n. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector s0 = FloatVector.zero(F);
        FloatVector s1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
            s1 = FloatVector.fromArray(F, a, aOff + i + L).fma(FloatVector.fromArray(F, b, bOff + i + L), s1);
        }
        for (; i + L <= n; i += L) {
            s0 = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), s0);
        }
        float s = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /** sum_i q[off + i] x[i] for i &lt; n. */
    static float dotInt8(byte[] q, int off, float[] x, int n) {
        FloatVector s0 = FloatVector.zero(F);
        FloatVector s1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * L <= n; i += 2 * L) {
            s0 = widen(q, off + i).fma(FloatVector.fromArray(F, x, i), s0);
            s1 = widen(q, off + i + L).fma(FloatVector.fromArray(F, x, i + L), s1);
        }
        for (; i + L <= n; i += L) {
            s0 = widen(q, off + i).fma(FloatVector.fromArray(F, x, i), s0);
        }
        float s = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += q[off + i] * x[i];
        }
        return s;
    }

    /** L int8 values from q[at ..] as L floats. */
    private static FloatVector widen(byte[] q, int at) {
        return (FloatVector) ByteVector.fromArray(B, q, at).convertShape(VectorOperators.B2F, F, 0);
    }
}
