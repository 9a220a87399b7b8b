package dev.quill.autograd;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Layer normalization over the last axis (Ba, Kiros and Hinton, 2016), fused: one op instead of the
 * mean, variance, subtract, divide, scale and shift it is made of.
 * <pre>
 *   mu = mean(x),  var = mean((x - mu)^2),  rstd = 1 / sqrt(var + eps)
 *   xhat = (x - mu) * rstd,   y = xhat * g + b
 * </pre>
 * Backward, per row of C values, with dxhat = dy * g:
 * <pre>
 *   dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
 *   dg = sum over rows of dy * xhat,    db = sum over rows of dy
 * </pre>
 * (term 1 is the direct path, term 2 goes through mu, term 3 through rstd; docs/01-autograd.md derives
 * them.) ND4J's own LayerNorm op has no epsilon, hence this one. {@code b} may be null (no bias).
 *
 * <p>Two implementations of the same math: on the CPU a Java loop over the rows (two passes forward,
 * two backward, nothing allocated but the outputs), keeping only mu and rstd per row; elsewhere ND4J ops.
 * For FLOAT the rows are copied into float arrays, where the elementwise passes vectorize, and split
 * over Quill's threads ({@link Parallel}); the row sums stay in double.
 */
final class LayerNormOp extends Function {

    private static final int MIN_ROWS = 64; // rows worth handing to another thread
    private final double eps;
    // Java path
    private INDArray x;
    private double[] mean;
    private double[] rstdRows;
    // ND4J path
    private INDArray xhat; // (..., C)
    private INDArray rstd; // (..., 1)
    private INDArray g;    // (C)

    private LayerNormOp(double eps) {
        this.eps = eps;
    }

    static Tensor apply(Tensor x, Tensor gain, Tensor bias, double eps) {
        NormChecks.check("layerNorm", x, gain, bias);
        LayerNormOp f = new LayerNormOp(eps);
        INDArray v = x.value();
        f.g = gain.value();
        INDArray b = bias == null ? null : bias.value();
        INDArray y = HostBuffer.usable(v, f.g, b) ? f.forwardJava(v, b) : f.forwardNd4j(v, b);
        return bias == null ? f.output(y, x, gain) : f.output(y, x, gain, bias);
    }

    private INDArray forwardJava(INDArray v, INDArray b) {
        int c = (int) v.size(-1);
        int rows = (int) (v.length() / c);
        x = v;
        mean = new double[rows];
        rstdRows = new double[rows];
        INDArray y = Nd4j.createUninitialized(v.dataType(), v.shape());
        if (v.dataType() == DataType.FLOAT && c <= Scratch.CHUNK) {
            forwardFloat(v, b, y, c, rows);
            return y;
        }
        HostBuffer xs = HostBuffer.of(v), ys = HostBuffer.of(y);
        double[] gain = NormChecks.doubles(g);
        double[] shift = b == null ? new double[c] : NormChecks.doubles(b);
        for (int r = 0; r < rows; r++) {
            int o = r * c;
            double sum = 0;
            for (int j = 0; j < c; j++) {
                sum += xs.get(o + j);
            }
            double mu = sum / c;
            double sq = 0;
            for (int j = 0; j < c; j++) {
                double d = xs.get(o + j) - mu;
                sq += d * d;
            }
            double rs = 1.0 / Math.sqrt(sq / c + eps);
            for (int j = 0; j < c; j++) {
                ys.set(o + j, (xs.get(o + j) - mu) * rs * gain[j] + shift[j]);
            }
            mean[r] = mu;
            rstdRows[r] = rs;
        }
        return y;
    }

    private void forwardFloat(INDArray v, INDArray b, INDArray y, int c, int rows) {
        float[] gain = g.toFloatVector();
        float[] shift = b == null ? new float[c] : b.toFloatVector();
        FloatBuffer xs = Scratch.floats(v), ys = Scratch.floats(y);
        Parallel.range(rows, MIN_ROWS, 1, (from, to) -> {
            float[] row = Scratch.get(0);
            for (int r = from; r < to; r++) {
                xs.get(r * c, row, 0, c);
                double sum = 0;
                for (int j = 0; j < c; j++) {
                    sum += row[j];
                }
                float mu = (float) (sum / c);
                double sq = 0;
                for (int j = 0; j < c; j++) {
                    float d = row[j] - mu;
                    sq += d * d;
                }
                float rs = (float) (1.0 / Math.sqrt(sq / c + eps));
                for (int j = 0; j < c; j++) {
                    row[j] = (row[j] - mu) * rs * gain[j] + shift[j];
                }
                ys.put(r * c, row, 0, c);
                mean[r] = mu;
                rstdRows[r] = rs;
            }
        });
    }

    private INDArray forwardNd4j(INDArray v, INDArray b) {
        int last = v.rank() - 1;
        INDArray centered = v.sub(v.mean(true, last));                                   // (..., C)
        INDArray variance = centered.mul(centered).mean(true, last);                     // (..., 1)
        rstd = Transforms.pow(variance.addi(eps), -0.5, false);                          // (..., 1)
        xhat = centered.muli(rstd);                                                      // (..., C)
        INDArray y = xhat.mul(g);
        return b == null ? y : y.addi(b);
    }

    @Override
    protected void backward(INDArray dy) {
        if (x != null && HostBuffer.usable(dy)) {
            backwardJava(Shapes.contiguous(dy));
        } else {
            backwardNd4j(dy);
        }
    }

    private void backwardJava(INDArray dy) {
        int c = (int) x.size(-1);
        int rows = mean.length;
        if (x.dataType() == DataType.FLOAT && c <= Scratch.CHUNK) {
            backwardFloat(dy, c, rows);
            return;
        }
        HostBuffer xs = HostBuffer.of(x), dys = HostBuffer.of(dy);
        double[] gain = NormChecks.doubles(g);
        double[] dg = new double[c], db = new double[c];
        INDArray dx = needsGrad(0) ? Nd4j.createUninitialized(x.dataType(), x.shape()) : null;
        HostBuffer dxs = dx == null ? null : HostBuffer.of(dx);
        for (int r = 0; r < rows; r++) {
            int o = r * c;
            double mu = mean[r], rs = rstdRows[r];
            double sumD = 0, sumDX = 0;
            for (int j = 0; j < c; j++) {
                double xhatJ = (xs.get(o + j) - mu) * rs;
                double dyJ = dys.get(o + j);
                double dxhat = dyJ * gain[j];
                sumD += dxhat;
                sumDX += dxhat * xhatJ;
                dg[j] += dyJ * xhatJ;
                db[j] += dyJ;
            }
            if (dxs != null) {
                double meanD = sumD / c, meanDX = sumDX / c;           // through mu, through rstd
                for (int j = 0; j < c; j++) {
                    double xhatJ = (xs.get(o + j) - mu) * rs;
                    dxs.set(o + j, rs * (dys.get(o + j) * gain[j] - meanD - xhatJ * meanDX));
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

    private void backwardFloat(INDArray dy, int c, int rows) {
        float[] gain = g.toFloatVector();
        INDArray dx = needsGrad(0) ? Nd4j.createUninitialized(DataType.FLOAT, x.shape()) : null;
        FloatBuffer xs = Scratch.floats(x), dys = Scratch.floats(dy), dxs = dx == null ? null : Scratch.floats(dx);
        int[] cut = Parallel.split(rows, MIN_ROWS, 1);
        float[][] dgs = new float[cut.length - 1][c], dbs = new float[cut.length - 1][c]; // per piece, summed below
        Parallel.forEach(cut.length - 1, piece -> {
            float[] xr = Scratch.get(0), dyr = Scratch.get(1), dxhat = Scratch.get(2);
            float[] dg = dgs[piece], db = dbs[piece];
            for (int r = cut[piece]; r < cut[piece + 1]; r++) {
                xs.get(r * c, xr, 0, c);
                dys.get(r * c, dyr, 0, c);
                float mu = (float) mean[r], rs = (float) rstdRows[r];
                for (int j = 0; j < c; j++) {
                    float xhat = (xr[j] - mu) * rs;
                    xr[j] = xhat;
                    dxhat[j] = dyr[j] * gain[j];
                    dg[j] += dyr[j] * xhat;
                    db[j] += dyr[j];
                }
                if (dxs == null) {
                    continue;
                }
                double sumD = 0, sumDX = 0;
                for (int j = 0; j < c; j++) {
                    sumD += dxhat[j];
                    sumDX += dxhat[j] * xr[j];
                }
                float meanD = (float) (sumD / c), meanDX = (float) (sumDX / c); // through mu, through rstd
                for (int j = 0; j < c; j++) {
                    dxhat[j] = rs * (dxhat[j] - meanD - xr[j] * meanDX);
                }
                dxs.put(r * c, dxhat, 0, c);
            }
        });
        if (dx != null) {
            accumulateOwned(0, dx);
        }
        if (needsGrad(1)) {
            accumulateValues(1, sum(dgs, c));
        }
        if (inputs().length > 2 && needsGrad(2)) {
            accumulateValues(2, sum(dbs, c));
        }
    }

    private static double[] sum(float[][] pieces, int c) {
        double[] out = new double[c];
        for (float[] p : pieces) {
            for (int j = 0; j < c; j++) {
                out[j] += p[j];
            }
        }
        return out;
    }

    private void backwardNd4j(INDArray dy) {
        if (xhat == null) { // forward ran the Java path: rebuild what the ND4J path keeps
            forwardNd4j(x, null);
        }
        int last = dy.rank() - 1;
        if (needsGrad(0)) {
            INDArray dxhat = dy.mul(g);
            INDArray meanD = dxhat.mean(true, last);                       // through mu
            INDArray meanDX = dxhat.mul(xhat).mean(true, last);           // through rstd
            accumulateOwned(0, dxhat.subi(meanD).subi(xhat.mul(meanDX)).muli(rstd));
        }
        if (needsGrad(1)) {
            accumulateOwned(1, Shapes.sumTo(dy.mul(xhat), g.shape()));
        }
        if (inputs().length > 2 && needsGrad(2)) {
            accumulateOwned(2, Shapes.sumTo(dy, g.shape()).dup());
        }
    }
}
