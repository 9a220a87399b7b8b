package dev.quill.autograd;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link LayerNormOp}'s math on the CPU, for the arrays {@link Kernels#usable} accepts: a Java loop over the
 * rows (two passes forward, two backward, nothing allocated but the outputs), keeping only mu and rstd per
 * row. FLOAT rows of up to {@link Scratch#CHUNK} values are copied into float arrays, where the elementwise
 * passes vectorize, and split over Quill's threads ({@link Parallel}); the row sums are {@link Sums}' plain loops
 * (four partial sums in double), or, where {@link Kernels#vector} allows, float lanes of the Vector API added
 * up in double ({@code VectorSums}).
 * {@code FusedOpTest} holds it equal to the plain path.
 */
final class LayerNormKernel {

    private static final int MIN_ROWS = 64; // rows worth handing to another thread
    private final INDArray x;
    private final INDArray g;
    private final double eps;
    private final double[] mean;
    private final double[] rstdRows;

    /** x (..., C), g (C): plain arrays of one type. */
    LayerNormKernel(INDArray x, INDArray g, double eps) {
        this.x = x;
        this.g = g;
        this.eps = eps;
        int rows = (int) (x.length() / x.size(-1));
        this.mean = new double[rows];
        this.rstdRows = new double[rows];
    }

    private boolean floatRows(int c) {
        return x.dataType() == DataType.FLOAT && c <= Scratch.CHUNK;
    }

    /** {@return y = (x - mu) * rstd * g + b, b (C) or null}; keeps mu and rstd of each row */
    INDArray forward(INDArray b) {
        int c = (int) x.size(-1);
        int rows = mean.length;
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.shape());
        if (floatRows(c)) {
            forwardFloat(b, y, c, rows);
            return y;
        }
        HostBuffer xs = HostBuffer.of(x), ys = HostBuffer.of(y);
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

    /** The c floats of a plain FLOAT vector, read from its storage (ND4J's toFloatVector runs a copy op first). */
    private static float[] vector(INDArray v, int c) {
        float[] out = new float[c];
        Scratch.floats(v).get(0, out, 0, c);
        return out;
    }

    private void forwardFloat(INDArray b, INDArray y, int c, int rows) {
        float[] gain = vector(g, c);
        float[] shift = b == null ? new float[c] : vector(b, c);
        FloatBuffer xs = Scratch.floats(x), ys = Scratch.floats(y);
        Parallel.range(rows, MIN_ROWS, 1, (from, to) -> forwardRows(xs, ys, from, to, c, gain, shift, eps, mean, rstdRows));
    }

    /** Rows [from, to) of x (rows, c) normalized into y; mu and rstd of each row kept in mean and rstd. */
    static void forwardRows(FloatBuffer xs, FloatBuffer ys, int from, int to, int c, float[] gain, float[] shift,
                            double eps, double[] mean, double[] rstd) {
        float[] row = Scratch.get(0), lanes = Scratch.get(4);
        boolean vector = Kernels.vectorRequested(); // not vector(): it asks ND4J, which the warm-up runs without
        for (int r = from; r < to; r++) {
            xs.get(r * c, row, 0, c);
            float mu = (float) ((vector ? VectorSums.sum(row, c, lanes) : Sums.sum(row, c)) / c);
            double sq = vector ? VectorSums.sumOfSquares(row, c, mu, lanes) : Sums.sumOfSquares(row, c, mu);
            float rs = (float) (1.0 / Math.sqrt(sq / c + eps));
            for (int j = 0; j < c; j++) {
                row[j] = (row[j] - mu) * rs * gain[j] + shift[j];
            }
            ys.put(r * c, row, 0, c);
            mean[r] = mu;
            rstd[r] = rs;
        }
    }

    /**
     * @param dy    the output's gradient, plain, x's shape
     * @param wantDx false to skip dx (x needs no gradient)
     * @param overDy true when dy is a plain array that nothing reads after this backward: where the float rows
     *               run, dx is written over it (a row at a time, each read before it is written) and dy is dx
     * @return dx (or null), dg and db
     */
    NormChecks.Grads backward(INDArray dy, boolean wantDx, boolean overDy) {
        int c = (int) x.size(-1);
        int rows = mean.length;
        if (floatRows(c)) {
            return backwardFloat(dy, c, rows, wantDx, overDy && Kernels.plain(dy));
        }
        HostBuffer xs = HostBuffer.of(x), dys = HostBuffer.of(dy);
        double[] gain = NormChecks.doubles(g);
        double[] dg = new double[c], db = new double[c];
        INDArray dx = wantDx ? Nd4j.createUninitialized(x.dataType(), x.shape()) : null;
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
        return new NormChecks.Grads(dx, dg, db);
    }

    private NormChecks.Grads backwardFloat(INDArray dy, int c, int rows, boolean wantDx, boolean overDy) {
        float[] gain = vector(g, c);
        INDArray dx = !wantDx ? null : overDy ? dy : Nd4j.createUninitialized(DataType.FLOAT, x.shape());
        FloatBuffer xs = Scratch.floats(x), dys = Scratch.floats(dy), dxs = dx == null ? null : Scratch.floats(dx);
        int[] cut = Parallel.split(rows, MIN_ROWS, 1);
        float[][] dgs = new float[cut.length - 1][c], dbs = new float[cut.length - 1][c]; // per piece, summed below
        Parallel.forEach(cut.length - 1, piece -> backwardRows(xs, dys, dxs, cut[piece], cut[piece + 1], c, gain, mean,
                rstdRows, dgs[piece], dbs[piece]));
        return new NormChecks.Grads(dx, sum(dgs, c), sum(dbs, c));
    }

    /**
     * Rows [from, to): dx (when dxs is not null) and this piece's sums of dg and db, from x, dy and the rows'
     * mu and rstd.
     */
    static void backwardRows(FloatBuffer xs, FloatBuffer dys, FloatBuffer dxs, int from, int to, int c, float[] gain,
                             double[] mean, double[] rstd, float[] dg, float[] db) {
        float[] xr = Scratch.get(0), dyr = Scratch.get(1), dxhat = Scratch.get(2), lanes = Scratch.get(4);
        boolean vector = Kernels.vectorRequested();
        for (int r = from; r < to; r++) {
            xs.get(r * c, xr, 0, c);
            dys.get(r * c, dyr, 0, c);
            float mu = (float) mean[r], rs = (float) rstd[r];
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
            double sumD = vector ? VectorSums.sum(dxhat, c, lanes) : Sums.sum(dxhat, c);
            double sumDX = vector ? VectorSums.dot(dxhat, xr, c, lanes) : Sums.dot(dxhat, xr, c);
            float meanD = (float) (sumD / c), meanDX = (float) (sumDX / c); // through mu, through rstd
            for (int j = 0; j < c; j++) {
                dxhat[j] = rs * (dxhat[j] - meanD - xr[j] * meanDX);
            }
            dxs.put(r * c, dxhat, 0, c);
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
}
