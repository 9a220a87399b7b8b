package dev.quill.model;

import dev.quill.config.BadInputException;
import java.nio.file.Path;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Refuses weights that are not finite: a NaN or an infinity in a file (a diverged run saved anyway, a
 * damaged file without checksums) would otherwise turn every output into NaN with no word of why.
 */
public final class FiniteWeights {

    private FiniteWeights() {
    }

    /**
     * @param tensors the tensors read from {@code file}
     * @param file    where they came from, for the message
     * @throws BadInputException naming the file and the first tensor with a NaN or an infinity
     */
    public static void check(Map<String, INDArray> tensors, Path file) {
        tensors.forEach((name, t) -> {
            if (t.isEmpty() || !t.dataType().isFPType()) {
                return;
            }
            // counted in place by a reduction: no boolean copy of a large tensor
            boolean nan = BooleanIndexing.or(t, Conditions.isNan());
            if (nan || BooleanIndexing.or(t, Conditions.isInfinite())) {
                throw new BadInputException(file + ": tensor " + name + " holds " + (nan ? "NaN" : "an infinity")
                        + "; the weights are unusable (a diverged run, or a damaged file); use another checkpoint");
            }
        });
    }
}
