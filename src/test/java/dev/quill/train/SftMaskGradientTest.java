package dev.quill.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.config.ModelConfig;
import dev.quill.data.Batch;
import dev.quill.data.CharTokenizer;
import dev.quill.data.sft.ChatTemplate;
import dev.quill.data.sft.Conversation;
import dev.quill.data.sft.DefaultChatTemplate;
import dev.quill.data.sft.Message;
import dev.quill.data.sft.SftRow;
import dev.quill.model.Gpt;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The SFT mask through a real GPT: a position whose target is -1 (system and user text, markers,
 * padding) gets exactly zero gradient on its logits, and padding after a conversation changes nothing
 * before it.
 */
class SftMaskGradientTest {

    private static final int T = 32;
    private static final ChatTemplate TEMPLATE = new DefaultChatTemplate(CharTokenizer.train("abcdefghijklmnopqrstuvwxyz "));

    private static Gpt model() {
        int v = TEMPLATE.tokenizer().vocabSize();
        var c = new ModelConfig(v, T, 2, 2, 16, 0.0, true, ModelConfig.Norm.LAYERNORM, 1e-5, ModelConfig.Positions.LEARNED,
                true, ModelConfig.Activation.GELU, 4);
        return new Gpt(c, new Rng(7), DataType.DOUBLE);
    }

    private static List<SftRow> rows(int padId) {
        var chat = Conversation.of(Message.system("kind"), Message.user("hi"), Message.assistant("hello"),
                Message.user("bye"), Message.assistant("ok"));
        var shortOne = Conversation.of(Message.user("why"), Message.assistant("because"));
        return List.of(SftRow.of(TEMPLATE.render(chat), T, padId), SftRow.of(TEMPLATE.render(shortOne), T, padId));
    }

    @Test
    void maskedPositionsGetExactlyZeroGradientAndTrainedOnesTheCrossEntropyGradient() {
        Batch batch = SftRow.toBatch(rows(TEMPLATE.padId()));
        Gpt gpt = model();
        Tensor logits = gpt.forward(batch.inputs()).retainGrad();       // (B, T, V)
        Tensor loss = logits.crossEntropy(batch.targets(), -1);
        loss.backward();
        INDArray x = logits.value();
        INDArray g = logits.grad();                                    // (B, T, V)
        int v = (int) x.size(2);
        int[] targets = batch.targetIds();
        int trained = 0;
        for (int t : targets) {
            trained += t == -1 ? 0 : 1;
        }
        // "hello" + <|end|> and "ok" + <|end|> in row 0, "because" + <|end|> in row 1
        assertThat(trained).isEqualTo(6 + 3 + 8);
        double expectedLoss = 0;
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < T; t++) {
                int target = targets[b * T + t];
                double[] p = softmax(x, b, t, v);
                for (int k = 0; k < v; k++) {
                    double grad = g.getDouble(b, t, k);
                    if (target == -1) {
                        assertThat(grad).as("dL/dlogits[%d, %d, %d] at a masked position", b, t, k).isEqualTo(0.0);
                    } else {
                        // dL/dx = (softmax(x) - onehot(target)) / n, n = trained positions
                        double want = (p[k] - (k == target ? 1 : 0)) / trained;
                        assertThat(grad).isCloseTo(want, within(1e-12));
                    }
                }
                if (target != -1) {
                    assertThat(g.getDouble(b, t, target)).isNegative();
                    expectedLoss -= Math.log(p[target]) / trained;
                }
            }
        }
        assertThat(loss.item()).isCloseTo(expectedLoss, within(1e-12));
    }

    @Test
    void paddingAfterTheContentChangesNothingBeforeIt() {
        int letterZ = TEMPLATE.tokenizer().encode("z")[0];
        Batch withEnd = SftRow.toBatch(rows(TEMPLATE.padId()));
        Batch withZ = SftRow.toBatch(rows(letterZ));
        assertThat(withZ.inputIds()).isNotEqualTo(withEnd.inputIds());
        Gpt gpt = model();
        Tensor a = gpt.forward(withEnd.inputs());
        Tensor lossA = a.crossEntropy(withEnd.targets(), -1);
        lossA.backward();
        INDArray wpeGrad = gpt.parameters().get("transformer.wpe.weight").grad().dup();
        gpt.zeroGrad();
        Tensor z = gpt.forward(withZ.inputs());
        Tensor lossZ = z.crossEntropy(withZ.targets(), -1);
        lossZ.backward();
        assertThat(lossZ.item()).isEqualTo(lossA.item());
        int contentOfRow1 = 1 + 3 + 1 + 1 + 7 + 1; // <|user|> why <|end|> <|assistant|> because <|end|>
        for (int t = 0; t < contentOfRow1; t++) {
            for (int k = 0; k < a.value().size(2); k++) {
                assertThat(z.value().getDouble(1, t, k)).isEqualTo(a.value().getDouble(1, t, k));
            }
        }
        // no trained position attends to a position past every conversation's end: those position rows get no gradient
        int longest = 6 + 4 + 7 + 5 + 4; // row 0: <|system|> kind <|end|>, <|user|> hi <|end|>, ... "ok" <|end|>
        assertThat(rows(TEMPLATE.padId()).get(0).inputs()[longest]).isEqualTo(TEMPLATE.padId());
        assertThat(rows(TEMPLATE.padId()).get(0).inputs()[longest - 1]).isEqualTo(TEMPLATE.stopTokenId());
        for (int t = longest; t < T; t++) {
            assertThat(wpeGrad.getRow(t).amaxNumber().doubleValue()).as("wpe row %d", t).isEqualTo(0.0);
        }
        assertThat(wpeGrad.getRow(0).amaxNumber().doubleValue()).isPositive();
    }

    private static double[] softmax(INDArray x, int b, int t, int v) {
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < v; k++) {
            max = Math.max(max, x.getDouble(b, t, k));
        }
        double sum = 0;
        double[] p = new double[v];
        for (int k = 0; k < v; k++) {
            p[k] = Math.exp(x.getDouble(b, t, k) - max);
            sum += p[k];
        }
        for (int k = 0; k < v; k++) {
            p[k] /= sum;
        }
        return p;
    }
}
