package dev.quill.data;

import dev.quill.config.BadInputException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The special tokens of a tokenizer ({@code <|endoftext|>}, {@code <|user|>}, ...): strings that stand
 * for one id each, sit at the end of the vocabulary, and are never split or merged.
 *
 * <p>Quill's own tokenizers number them contiguously: the first special token gets {@code base} (the
 * size of the ordinary vocabulary), the next {@code base + 1}, and so on. A loaded GPT-2 vocabulary
 * brings its own ids ({@code <|endoftext|>} = 50256), anywhere in its range ({@link #at}). Either way,
 * adding tokens later (for fine-tuning) only appends ids at {@link #next()} and never renumbers the
 * ones a model has already learned.
 */
final class SpecialTokens {

    private final int next;                   // the id the next added token gets
    private final Map<String, Integer> ids;   // name -> id, in id order
    private final Map<Integer, String> names; // id -> name
    private final Pattern pattern;            // null when empty

    private SpecialTokens(Map<String, Integer> byName, int next) {
        var sorted = new ArrayList<>(byName.entrySet());
        sorted.sort(Map.Entry.comparingByValue());
        var map = new LinkedHashMap<String, Integer>();
        var inverse = new HashMap<Integer, String>();
        int top = next;
        for (var e : sorted) {
            String name = e.getKey();
            if (name.isEmpty()) {
                throw new BadInputException("a special token cannot be the empty string");
            }
            Text.requireWellFormed(name);
            if (inverse.put(e.getValue(), name) != null) {
                throw new BadInputException("special tokens " + inverse.get(e.getValue()) + " and " + name
                        + " share the id " + e.getValue() + "; give each its own id");
            }
            map.put(name, e.getValue());
            top = Math.max(top, e.getValue() + 1);
        }
        this.next = top;
        this.ids = Collections.unmodifiableMap(map);
        this.names = inverse;
        // Longest first, so that "<|end|>" never wins over "<|endoftext|>" at the same position.
        this.pattern = map.isEmpty() ? null : Pattern.compile(map.keySet().stream()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .map(Pattern::quote)
                .collect(Collectors.joining("|")));
    }

    /** Tokens numbered {@code base, base + 1, ...} in list order. */
    static SpecialTokens of(int base, List<String> names) {
        var map = new LinkedHashMap<String, Integer>();
        for (String name : names) {
            if (map.put(name, base + map.size()) != null) {
                throw new BadInputException("special token " + name + " is listed twice; list each once");
            }
        }
        return new SpecialTokens(map, base);
    }

    /** Tokens with the given ids; tokens added later start at {@code max(next, largest id + 1)}. */
    static SpecialTokens at(Map<String, Integer> ids, int next) {
        return new SpecialTokens(ids, next);
    }

    /** These tokens plus those of {@code more} not already present, with the next free ids. */
    SpecialTokens plus(List<String> more) {
        var all = new LinkedHashMap<>(ids);
        int id = next;
        for (String name : more) {
            if (!all.containsKey(name)) {
                all.put(name, id++);
            }
        }
        return new SpecialTokens(all, next);
    }

    /** {@return the id a token added by {@link #plus} would get: past every id in use} */
    int next() {
        return next;
    }

    int size() {
        return ids.size();
    }

    Map<String, Integer> ids() {
        return ids;
    }

    List<String> names() {
        return List.copyOf(ids.keySet());
    }

    boolean isSpecial(int id) {
        return names.containsKey(id);
    }

    String name(int id) {
        return names.get(id);
    }

    int id(String name) {
        Integer id = ids.get(name);
        if (id == null) {
            throw new BadInputException("no special token " + name + " in this tokenizer (it has "
                    + ids.keySet() + "); add it with withSpecialTokens(...)");
        }
        return id;
    }

    /** Receives the pieces of a text: ordinary stretches and special tokens, in order. */
    interface Visitor {
        void text(int from, int to);

        void special(int id);
    }

    /** Encodes one ordinary stretch {@code [from, to)} of a text into {@code out}. */
    interface Stretches {
        void encode(int from, int to, IntList out);
    }

    /**
     * The ids of a (prepared) text: special-token strings as their ids when {@code allowSpecial} is set, every
     * other stretch through {@code ordinary}. The one encode loop of every tokenizer.
     *
     * @param capacity a first guess of the number of ids
     */
    int[] encode(String text, boolean allowSpecial, int capacity, Stretches ordinary) {
        var out = new IntList(capacity);
        split(text, allowSpecial, new Visitor() {
            @Override
            public void text(int from, int to) {
                ordinary.encode(from, to, out);
            }

            @Override
            public void special(int id) {
                out.add(id);
            }
        });
        return out.toArray();
    }

    /**
     * Walks {@code text}, reporting special-token strings as ids when {@code allowSpecial} is set and
     * everything else as ordinary text (all of it, when {@code allowSpecial} is off).
     */
    void split(String text, boolean allowSpecial, Visitor visitor) {
        if (!allowSpecial || pattern == null) {
            if (!text.isEmpty()) {
                visitor.text(0, text.length());
            }
            return;
        }
        Matcher m = pattern.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) {
                visitor.text(last, m.start());
            }
            visitor.special(ids.get(m.group()));
            last = m.end();
        }
        if (last < text.length()) {
            visitor.text(last, text.length());
        }
    }
}
