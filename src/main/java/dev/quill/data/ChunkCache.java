package dev.quill.data;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Remembers the ids of the chunks a BPE tokenizer has encoded: natural text repeats its words, so most
 * chunks are found here instead of being merged again. Bounded: when full it is emptied (crude, but
 * natural text refills it with its common words at once). Safe to share between threads.
 */
final class ChunkCache {

    private static final int LIMIT = 1 << 18;
    private final Map<String, int[]> map = new ConcurrentHashMap<>();

    /** The ids of {@code chunk}, computed once. The returned array must not be modified. */
    int[] get(String chunk, Function<String, int[]> encode) {
        int[] cached = map.get(chunk);
        if (cached != null) {
            return cached;
        }
        int[] ids = encode.apply(chunk);
        if (map.size() >= LIMIT) {
            map.clear();
        }
        map.put(chunk, ids);
        return ids;
    }

    int size() {
        return map.size();
    }
}
