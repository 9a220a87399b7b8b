package dev.quill.train;

import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.config.ModelConfig;
import dev.quill.config.TrainConfig;
import dev.quill.data.CharTokenizer;
import dev.quill.data.TokenSplit;
import dev.quill.data.Tokens;
import dev.quill.model.Gpt;
import dev.quill.model.Safetensors;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One process of the data-parallel tests: trains a tiny GPT (1 layer, 16 wide, no dropout) on a made-up text,
 * with the group from the environment (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT), and writes its final
 * weights to a file of its own. Arguments: out batch accum maxIters checkpointInterval resume dieAtStep
 * weightsFile. A process whose rank is 1 and dieAtStep > 0 halts at that step, as a kill would.
 */
public final class DataParallelWorker {

    private DataParallelWorker() {
    }

    /**
     * @param args see the class comment
     * @throws Exception never on success; a failure prints one line and exits 1
     */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        int batch = Integer.parseInt(args[1]), accum = Integer.parseInt(args[2]), steps = Integer.parseInt(args[3]);
        int ckpt = Integer.parseInt(args[4]);
        boolean resume = Boolean.parseBoolean(args[5]);
        int dieAt = Integer.parseInt(args[6]);
        Path weights = Path.of(args[7]);
        try (Collective group = Collective.fromEnvironment(System.getenv())) {
            Run run = run(group, batch, accum, steps, ckpt, out);
            Trainer t = run.trainer();
            if (group.rank() == 1 && dieAt > 0) {
                t.addListener(new TrainListener() {
                    @Override
                    public void onStep(long step, long maxSteps, double loss, double lr, double tokensPerSecond) {
                        if (step == dieAt) {
                            Runtime.getRuntime().halt(137);
                        }
                    }
                });
            }
            t.run(resume);
            Safetensors.write(weights, weights(run.gpt()), Map.of());
        } catch (RuntimeException e) {
            System.err.println("worker: " + e.getMessage());
            System.exit(1);
        }
        System.exit(0);
    }

    static final String TEXT = text();

    /** A made-up text of 20,000 characters: words from a small list, in a seeded order. */
    private static String text() {
        String[] words = {"the", "king", "shall", "speak", "of", "gold", "and", "night", "to", "thee", "my", "lord", "now"};
        Random r = new Random(3);
        StringBuilder s = new StringBuilder();
        while (s.length() < 20_000) {
            s.append(words[r.nextInt(words.length)]).append(r.nextInt(8) == 0 ? ".\n" : " ");
        }
        return s.toString();
    }

    /** A trainer and the model it trains. */
    record Run(Trainer trainer, Gpt gpt) {
    }

    /** The tiny model, data and recipe of every test run; the global batch is batch x the group's size. */
    static Run run(Collective group, int batch, int accum, int steps, int ckpt, Path out) {
        CharTokenizer tok = CharTokenizer.train(TEXT);
        TokenSplit split = TokenSplit.of(Tokens.of(tok.encode(TEXT)), 0.1);
        ModelConfig m = new ModelConfig(tok.vocabSize(), 16, 1, 2, 16, 0.0, false, ModelConfig.Norm.LAYERNORM, 1e-5,
                ModelConfig.Positions.LEARNED, true, ModelConfig.Activation.GELU, 4);
        TrainConfig c = new TrainConfig(batch, steps, 3e-3, 3e-4, 2, steps, "cosine", 0.1, 0.9, 0.99, 1e-8, 1.0, accum, 10, 2, 1,
                7, 0, 0.0, 3, ckpt, 0, "scratch");
        Gpt gpt = new Gpt(m, new Rng(c.seed()), DataType.FLOAT);
        WindowData data = new WindowData(split.train(), split.val(), batch * group.worldSize(), m.blockSize());
        return new Run(new Trainer(c, new GptTask(gpt, tok), data, out).collective(group), gpt);
    }

    static Map<String, INDArray> weights(Gpt gpt) {
        Map<String, INDArray> w = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : gpt.parameters().entrySet()) {
            w.put(e.getKey(), e.getValue().value());
        }
        return w;
    }
}
