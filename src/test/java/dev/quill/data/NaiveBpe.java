package dev.quill.data;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * The textbook BPE trainer, kept as the oracle for {@link BpeTrainer}: after every merge it recounts
 * every adjacent pair of every chunk occurrence. Slow, short, obviously right.
 */
final class NaiveBpe {

    private NaiveBpe() {
    }

    static List<int[]> train(String text, int numMerges) {
        var words = new ArrayList<List<Integer>>();
        for (String chunk : PreTokenizer.split(text)) {
            var w = new ArrayList<Integer>();
            for (byte b : chunk.getBytes(StandardCharsets.UTF_8)) {
                w.add(b & 0xFF);
            }
            words.add(w);
        }
        var merges = new ArrayList<int[]>();
        for (int m = 0; m < numMerges; m++) {
            var counts = new HashMap<List<Integer>, Integer>();
            for (var w : words) {
                for (int i = 0; i + 1 < w.size(); i++) {
                    counts.merge(List.of(w.get(i), w.get(i + 1)), 1, Integer::sum);
                }
            }
            if (counts.isEmpty()) {
                break;
            }
            List<Integer> best = null;
            int bestCount = -1;
            for (var e : counts.entrySet()) {
                var p = e.getKey();
                int c = e.getValue();
                boolean smaller = best == null || p.get(0) < best.get(0)
                        || (p.get(0).equals(best.get(0)) && p.get(1) < best.get(1));
                if (c > bestCount || (c == bestCount && smaller)) {
                    best = p;
                    bestCount = c;
                }
            }
            int z = 256 + m;
            for (var w : words) {
                for (int i = 0; i + 1 < w.size(); i++) {
                    if (w.get(i).equals(best.get(0)) && w.get(i + 1).equals(best.get(1))) {
                        w.set(i, z);
                        w.remove(i + 1);
                    }
                }
            }
            merges.add(new int[]{best.get(0), best.get(1)});
        }
        return merges;
    }
}
