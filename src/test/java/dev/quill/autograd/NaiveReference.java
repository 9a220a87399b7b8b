package dev.quill.autograd;

/**
 * Plain-loop versions of the hot ops, written for obviousness rather than speed: the oracle the fast
 * ND4J-backed ops are compared with.
 */
final class NaiveReference {

    private NaiveReference() {
    }

    /** (M, K) @ (K, N), three loops. */
    static double[][] matmul(double[][] a, double[][] b) {
        int m = a.length, k = b.length, n = b[0].length;
        double[][] c = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += a[i][p] * b[p][j];
                }
                c[i][j] = s;
            }
        }
        return c;
    }

    /** Softmax of each row, with the maximum subtracted first. */
    static double[][] softmax(double[][] x) {
        double[][] y = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (double v : x[i]) {
                max = Math.max(max, v);
            }
            double sum = 0;
            y[i] = new double[x[i].length];
            for (int j = 0; j < x[i].length; j++) {
                y[i][j] = Math.exp(x[i][j] - max);
                sum += y[i][j];
            }
            for (int j = 0; j < x[i].length; j++) {
                y[i][j] /= sum;
            }
        }
        return y;
    }

    /** Mean of -log softmax(x_i)[t_i] over rows whose target is not {@code ignore}. */
    static double crossEntropy(double[][] logits, int[] targets, int ignore) {
        double[][] p = softmax(logits);
        double total = 0;
        int n = 0;
        for (int i = 0; i < logits.length; i++) {
            if (targets[i] != ignore) {
                total -= Math.log(p[i][targets[i]]);
                n++;
            }
        }
        return n == 0 ? 0 : total / n;
    }

    /** d crossEntropy / d logits = (softmax - onehot) / n on counted rows, 0 on ignored ones. */
    static double[][] crossEntropyGrad(double[][] logits, int[] targets, int ignore) {
        double[][] g = softmax(logits);
        int n = 0;
        for (int t : targets) {
            n += t != ignore ? 1 : 0;
        }
        for (int i = 0; i < g.length; i++) {
            for (int j = 0; j < g[i].length; j++) {
                g[i][j] = targets[i] == ignore ? 0 : (g[i][j] - (j == targets[i] ? 1 : 0)) / n;
            }
        }
        return g;
    }
}
