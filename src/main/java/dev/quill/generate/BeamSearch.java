package dev.quill.generate;

import dev.quill.autograd.GradMode;
import dev.quill.autograd.MemoryScope;
import dev.quill.data.Tokenizer;
import dev.quill.model.Gpt;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Beam search: keep the {@code width} most likely continuations (by total log-probability) at every step,
 * extend each by every token, keep the best {@code width} again. A continuation that emits the end token
 * is finished; at the end the best one is chosen by the length-normalized score of GNMT (Wu et al., 2016):
 * <pre>
 *   score = log p(y | x) / lp(y),    lp(y) = ((5 + |y|) / 6)^alpha
 * </pre>
 * with |y| the generated tokens. alpha = 0 compares raw log-probabilities (short outputs win); GNMT used
 * 0.6-0.7. Without an end token every beam has the same length and the penalty changes nothing.
 *
 * <p>A separate decoding strategy from the {@link Generator}: deterministic, no sampling, no streaming, no
 * KV cache (beams are reordered every step; each step runs the cropped contexts of all beams as one batch,
 * nanoGPT-style). Ties go to the lower beam, then the lower token id, so width 1 is exactly greedy.
 */
public final class BeamSearch {

    /**
     * @param width         beams kept per step (1 = greedy)
     * @param maxNewTokens  tokens generated at most
     * @param lengthPenalty GNMT's alpha, >= 0
     * @param endToken      the id that finishes a beam, or -1 for none
     */
    public record Options(int width, int maxNewTokens, double lengthPenalty, int endToken) {
        /**
         * @param width         at least 1
         * @param maxNewTokens  0 or more
         * @param lengthPenalty 0 or more
         * @param endToken      any id, or -1
         * @throws dev.quill.config.BadInputException for the first rule broken
         */
        public Options {
            if (width < 1 || maxNewTokens < 0 || !(lengthPenalty >= 0)) {
                throw new dev.quill.config.BadInputException("beam search needs width >= 1, max_new_tokens >= 0 and "
                        + "length_penalty >= 0; got " + width + ", " + maxNewTokens + ", " + lengthPenalty);
            }
        }
    }

    /**
     * The chosen continuation.
     *
     * @param text    its decoded text
     * @param tokens  its ids
     * @param logProb log p(tokens | prompt), natural log
     * @param score   logProb / lp(tokens)
     */
    public record Result(String text, int[] tokens, double logProb, double score) {
    }

    private record Hypothesis(int[] tokens, double logProb, int parentRank) {
    }

    private final Gpt model;
    private final Tokenizer tokenizer;

    /**
     * @param model     the model; switched to eval mode during a search, then back
     * @param tokenizer the model's tokenizer
     */
    public BeamSearch(Gpt model, Tokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
    }

    /**
     * @param length |y|, the generated tokens
     * @param alpha  the exponent; 0 gives 1
     * @return GNMT's length penalty ((5 + length) / 6)^alpha
     */
    public static double lengthPenalty(int length, double alpha) {
        return Math.pow((5.0 + length) / 6.0, alpha);
    }

    /**
     * Searches from a prompt (encoded as the {@link Generator} does: empty = '\n', cropped to block_size).
     *
     * @param prompt the text to continue
     * @param opt    width, length, penalty and end token
     * @return the best continuation by length-normalized score
     * @throws dev.quill.config.BadInputException for prompt text outside the tokenizer's vocabulary
     */
    public Result search(String prompt, Options opt) {
        int[] promptIds = PromptEncoder.encode(tokenizer, prompt, -1, model.config().blockSize());
        boolean wasTraining = model.isTraining();
        model.train(false);
        try {
            return run(promptIds, opt);
        } finally {
            model.train(wasTraining);
        }
    }

    private Result run(int[] prompt, Options opt) {
        List<Hypothesis> live = List.of(new Hypothesis(new int[0], 0.0, 0));
        List<Hypothesis> finished = new ArrayList<>();
        for (int step = 0; step < opt.maxNewTokens() && !live.isEmpty() && finished.size() < opt.width(); step++) {
            double[][] logProbs = logProbs(prompt, live);                         // (beams, V)
            List<Hypothesis> candidates = new ArrayList<>();
            for (int b = 0; b < live.size(); b++) {
                Hypothesis h = live.get(b);
                Integer[] order = TopKSampler.Ranking.byLogitDescending(logProbs[b]);
                for (int r = 0; r < Math.min(opt.width(), order.length); r++) {    // no beam needs more than width
                    int id = order[r];
                    int[] toks = Arrays.copyOf(h.tokens(), h.tokens().length + 1);
                    toks[toks.length - 1] = id;
                    candidates.add(new Hypothesis(toks, h.logProb() + logProbs[b][id], b));
                }
            }
            // best first; ties to the lower parent beam, then the lower token id
            candidates.sort(Comparator.comparingDouble((Hypothesis h) -> -h.logProb())
                    .thenComparingInt(Hypothesis::parentRank)
                    .thenComparingInt(h -> h.tokens()[h.tokens().length - 1]));
            List<Hypothesis> next = new ArrayList<>();
            for (Hypothesis c : candidates) {
                if (next.size() == opt.width()) {
                    break;
                }
                if (c.tokens()[c.tokens().length - 1] == opt.endToken()) {
                    finished.add(c);
                } else {
                    next.add(new Hypothesis(c.tokens(), c.logProb(), next.size()));
                }
            }
            live = next;
        }
        finished.addAll(live);
        Hypothesis best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (Hypothesis h : finished) {
            double s = h.logProb() / lengthPenalty(h.tokens().length, opt.lengthPenalty());
            if (best == null || s > bestScore) {
                best = h;
                bestScore = s;
            }
        }
        return new Result(tokenizer.decode(best.tokens()), best.tokens(), best.logProb(), bestScore);
    }

    /** log softmax of the last position for every beam, in double; ids the tokenizer lacks are -inf. */
    @SuppressWarnings("try")
    private double[][] logProbs(int[] prompt, List<Hypothesis> beams) {
        int n = prompt.length + beams.get(0).tokens().length;
        int from = Math.max(0, n - model.config().blockSize());
        int[][] ids = new int[beams.size()][n - from];
        for (int b = 0; b < beams.size(); b++) {
            for (int i = from; i < n; i++) {
                ids[b][i - from] = i < prompt.length ? prompt[i] : beams.get(b).tokens()[i - prompt.length];
            }
        }
        float[][] last;
        try (var g = GradMode.off(); var scope = MemoryScope.open("beam-step")) {
            INDArray logits = model.forward(Nd4j.createFromArray(ids)).value();     // (beams, T, V)
            long t = logits.size(1);
            last = logits.get(NDArrayIndex.all(), NDArrayIndex.point(t - 1), NDArrayIndex.all())
                    .reshape(beams.size(), logits.size(2)).toFloatMatrix();         // (beams, V)
        }
        double[][] out = new double[last.length][];
        for (int b = 0; b < last.length; b++) {
            double[] x = Logits.widen(last[b]);
            Arrays.fill(x, tokenizer.vocabSize(), x.length, Double.NEGATIVE_INFINITY);
            double m = x[Logits.argmax(x)];
            double z = 0;
            for (double v : x) {
                z += Math.exp(v - m);
            }
            double lse = m + Math.log(z);
            for (int i = 0; i < x.length; i++) {
                x[i] -= lse;                                                         // log p_i = x_i - logsumexp(x)
            }
            out[b] = x;
        }
        return out;
    }
}
