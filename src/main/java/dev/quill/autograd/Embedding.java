package dev.quill.autograd;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Embedding lookup: y[s, :] = table[ids[s], :] for every position s of the integer ids.
 * Backward is a scatter-add: dL/dtable[v, :] = sum of dL/dy[s, :] over the positions s with ids[s] = v,
 * so an id that occurs twice receives both gradients.
 */
final class Embedding extends Function {

    private int[] ids;
    private long[] tableShape;

    static Tensor apply(Tensor table, INDArray idArray) {
        INDArray t = table.value();
        if (t.rank() != 2) {
            throw new IllegalArgumentException("embedding: the table must be (V, C), got " + Shapes.str(t.shape()));
        }
        if (idArray.dataType().isFPType()) {
            throw new IllegalArgumentException("embedding: ids must be integers, got " + idArray.dataType());
        }
        Embedding f = new Embedding();
        f.tableShape = t.shape();
        f.ids = Shapes.reshape(idArray, -1).toIntVector();
        checkIds(f.ids, t.size(0));
        long[] outShape = Arrays.copyOf(idArray.shape(), idArray.rank() + 1);
        outShape[idArray.rank()] = t.size(1);
        INDArray rows = Nd4j.pullRows(Shapes.contiguous(t), 1, f.ids); // (N, C)
        return f.output(Shapes.reshape(rows, outShape), table);          // (S..., C)
    }

    /** Fails on an id outside the table's v rows (a loop of its own: see CrossEntropy's note on loops). */
    private static void checkIds(int[] ids, long v) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= v) {
                throw new IllegalArgumentException("embedding: id " + ids[i] + " at position " + i
                        + " is outside the table's " + v + " rows");
            }
        }
    }

    @Override
    protected void backward(INDArray dy) {
        int c = (int) tableShape[1];
        double[] dTable = new double[(int) (tableShape[0] * c)];              // (V, C), summed in double
        INDArray g = Scratch.plain(dy);                                      // (N, C)
        if (Kernels.usable(g) && g.dataType() == DataType.FLOAT) {        // a row at a time, no double copy of dy
            FloatBuffer gs = Scratch.floats(g);
            float[] row = new float[c];
            for (int s = 0; s < ids.length; s++) {
                gs.get(s * c, row, 0, c);
                int to = ids[s] * c;
                for (int j = 0; j < c; j++) {
                    dTable[to + j] += row[j];
                }
            }
        } else {
            double[] all = g.data().asDouble();                              // (N * C)
            for (int s = 0; s < ids.length; s++) {
                int to = ids[s] * c, from = s * c;
                for (int j = 0; j < c; j++) {
                    dTable[to + j] += all[from + j];
                }
            }
        }
        accumulateValues(0, dTable);                                         // (V, C)
    }
}
