package dev.quill.example;

import dev.quill.autograd.GradMode;
import dev.quill.autograd.Tensor;
import dev.quill.data.CharTokenizer;
import dev.quill.model.Gpt;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Greedy decoding with a plain loop over {@link Gpt#forward}: the most likely next token, again and again,
 * written out to show what one step of generation is. For real use, Quill's {@code dev.quill.generate.Generator}
 * does this with sampling, a KV cache and stop strings ({@code SampleConfig.greedy()} for this behaviour).
 */
final class GreedySampler {

    private GreedySampler() {
    }

    static String complete(Gpt model, CharTokenizer tokenizer, String prompt, int newTokens) {
        model.train(false);
        int[] ids = tokenizer.encode(prompt, false);
        int block = model.config().blockSize();
        try (var noGrad = GradMode.off()) {
            for (int n = 0; n < newTokens; n++) {
                int[] context = Arrays.copyOfRange(ids, Math.max(0, ids.length - block), ids.length);
                INDArray idx = Nd4j.createFromArray(new int[][] {context});               // (1, T)
                Tensor logits = model.forward(idx);                                       // (1, T, V)
                INDArray last = logits.value().get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(context.length - 1),
                        org.nd4j.linalg.indexing.NDArrayIndex.all());                   // (V)
                int next = last.argMax().getInt(0);
                ids = Arrays.copyOf(ids, ids.length + 1);
                ids[ids.length - 1] = next;
            }
        }
        return tokenizer.decode(ids);
    }
}
