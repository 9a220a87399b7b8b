package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link RmsNormOp}'s math on the CPU, for the arrays {@link Kernels#usable} accepts: a Java loop over the
 * rows in double, keeping only rstd per row. {@code FusedOpTest} holds it equal to the plain path.
 */
final class RmsNormKernel {

    private final INDArray x;
    private final INDArray g;
    private final double eps;
    private final double[] rstdRows;

    /** x (..., C), g (C): plain arrays of one type. */
    RmsNormKernel(INDArray x, INDArray g, double eps) {
        this.x = x;
        this.g = g;
        this.eps = eps;
        this.rstdRows = new double[(int) (x.length() / x.size(-1))];
    }

    /** {@return y = x * rstd * g + b, b (C) or null}; keeps rstd of each row */
    INDArray forward(INDArray b) {
        int c = (int) x.size(-1);
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.shape());
        HostBuffer xs = HostBuffer.of(x), ys = HostBuffer.of(y);
        double[] gain = NormChecks.doubles(g);
        double[] shift = b == null ? new double[c] : NormChecks.doubles(b);
        for (int r = 0; r < rstdRows.length; r++) {
            int o = r * c;
            double sq = 0;
            for (int j = 0; j < c; j++) {
                double v = xs.get(o + j);
                sq += v * v;
            }
            double rs = 1.0 / Math.sqrt(sq / c + eps);
            for (int j = 0; j < c; j++) {
                ys.set(o + j, xs.get(o + j) * rs * gain[j] + shift[j]);
            }
            rstdRows[r] = rs;
        }
        return y;
    }

    /**
     * @param dy     the output's gradient, plain, x's shape
     * @param wantDx false to skip dx (x needs no gradient)
     * @return dx (or null), dg and db
     */
    NormChecks.Grads backward(INDArray dy, boolean wantDx) {
        int c = (int) x.size(-1);
        HostBuffer xs = HostBuffer.of(x), dys = HostBuffer.of(dy);
        double[] gain = NormChecks.doubles(g);
        double[] dg = new double[c], db = new double[c];
        INDArray dx = wantDx ? Nd4j.createUninitialized(x.dataType(), x.shape()) : null;
        HostBuffer dxs = dx == null ? null : HostBuffer.of(dx);
        for (int r = 0; r < rstdRows.length; r++) {
            int o = r * c;
            double rs = rstdRows[r];
            double dot = 0;
            for (int j = 0; j < c; j++) {
                double xj = xs.get(o + j), dyj = dys.get(o + j);
                dot += dyj * gain[j] * xj;
                dg[j] += dyj * xj * rs;
                db[j] += dyj;
            }
            if (dxs != null) {
                double m = dot / c * rs * rs;                          // mean(dxg x) rstd^2
                for (int j = 0; j < c; j++) {
                    dxs.set(o + j, rs * (dys.get(o + j) * gain[j] - xs.get(o + j) * m));
                }
            }
        }
        return new NormChecks.Grads(dx, dg, db);
    }
}
