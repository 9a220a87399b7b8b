package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * RMS normalization over the last axis (Zhang and Sennrich, 2019): like LayerNorm without centering.
 * <pre>
 *   rstd = 1 / sqrt(mean(x^2) + eps),   y = x * rstd * g + b
 * </pre>
 * Backward, per row, with dxg = dy * g:
 * <pre>
 *   dx = rstd * (dxg - x * mean(dxg * x) * rstd^2)      (term 2 goes through rstd)
 *   dg = sum over rows of dy * x * rstd,    db = sum over rows of dy
 * </pre>
 * {@code b} may be null (no bias, the usual form). A Java loop on the CPU, ND4J ops elsewhere, as in
 * {@link LayerNormOp}.
 */
final class RmsNormOp extends Function {

    private final double eps;
    private INDArray x;
    private INDArray g;
    private double[] rstdRows; // Java path
    private INDArray rstd;     // ND4J path (..., 1)

    private RmsNormOp(double eps) {
        this.eps = eps;
    }

    static Tensor apply(Tensor x, Tensor gain, Tensor bias, double eps) {
        NormChecks.check("rmsNorm", x, gain, bias);
        RmsNormOp f = new RmsNormOp(eps);
        f.x = x.value();
        f.g = gain.value();
        INDArray b = bias == null ? null : bias.value();
        INDArray y = HostBuffer.usable(f.x, f.g, b) ? f.forwardJava(b) : f.forwardNd4j(b);
        return bias == null ? f.output(y, x, gain) : f.output(y, x, gain, bias);
    }

    private INDArray forwardJava(INDArray b) {
        int c = (int) x.size(-1);
        int rows = (int) (x.length() / c);
        rstdRows = new double[rows];
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.shape());
        HostBuffer xs = HostBuffer.of(x), ys = HostBuffer.of(y);
        double[] gain = NormChecks.doubles(g);
        double[] shift = b == null ? new double[c] : NormChecks.doubles(b);
        for (int r = 0; r < rows; r++) {
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

    private INDArray forwardNd4j(INDArray b) {
        int last = x.rank() - 1;
        rstd = Transforms.pow(x.mul(x).mean(true, last).addi(eps), -0.5, false); // (..., 1)
        INDArray y = x.mul(rstd).muli(g);
        return b == null ? y : y.addi(b);
    }

    @Override
    protected void backward(INDArray dy) {
        if (rstdRows != null && HostBuffer.usable(dy)) {
            backwardJava(Shapes.contiguous(dy));
        } else {
            backwardNd4j(dy);
        }
    }

    private void backwardJava(INDArray dy) {
        int c = (int) x.size(-1);
        HostBuffer xs = HostBuffer.of(x), dys = HostBuffer.of(dy);
        double[] gain = NormChecks.doubles(g);
        double[] dg = new double[c], db = new double[c];
        INDArray dx = needsGrad(0) ? Nd4j.createUninitialized(x.dataType(), x.shape()) : null;
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
        if (dx != null) {
            accumulateOwned(0, dx);
        }
        if (needsGrad(1)) {
            accumulateValues(1, dg);
        }
        if (inputs().length > 2 && needsGrad(2)) {
            accumulateValues(2, db);
        }
    }

    private void backwardNd4j(INDArray dy) {
        if (rstd == null) {
            forwardNd4j(null);
        }
        int last = dy.rank() - 1;
        if (needsGrad(0)) {
            INDArray dxg = dy.mul(g);
            INDArray m = dxg.mul(x).mean(true, last).muli(rstd).muli(rstd);   // mean(dxg x) rstd^2
            accumulateOwned(0, dxg.subi(x.mul(m)).muli(rstd));
        }
        if (needsGrad(1)) {
            accumulateOwned(1, Shapes.sumTo(dy.mul(x).muli(rstd), g.shape()));
        }
        if (inputs().length > 2 && needsGrad(2)) {
            accumulateOwned(2, Shapes.sumTo(dy, g.shape()).dup());
        }
    }
}
