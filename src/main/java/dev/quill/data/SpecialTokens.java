package dev.quill.data;

import dev.quill.config.BadInputException;

import java.util.Collections;
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
 * <p>Ids are contiguous: the first special token gets {@code base} (the size of the ordinary
 * vocabulary), the next {@code base + 1}, and so on, so adding tokens later (for fine-tuning) only
 * appends ids and never renumbers the ones a model has already learned.
 */
final class SpecialTokens {

    private final int base;
    private final Map<String, Integer> ids;   // name -> id, in id order
    private final String[] names;             // id - base -> name
    private final Pattern pattern;            // null when empty

    private SpecialTokens(int base, List<String> names) {
        this.base = base;
        this.names = names.toArray(String[]::new);
        var map = new LinkedHashMap<String, Integer>();
        for (int i = 0; i < this.names.length; i++) {
            String name = this.names[i];
            if (name.isEmpty()) {
                throw new BadInputException("a special token cannot be the empty string");
            }
            Text.requireWellFormed(name);
            if (map.put(name, base + i) != null) {
                throw new BadInputException("special token " + name + " is listed twice; list each once");
            }
        }
        this.ids = Collections.unmodifiableMap(map);
        // Longest first, so that "<|end|>" never wins over "<|endoftext|>" at the same position.
        this.pattern = names.isEmpty() ? null : Pattern.compile(names.stream()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .map(Pattern::quote)
                .collect(Collectors.joining("|")));
    }

    static SpecialTokens of(int base, List<String> names) {
        return new SpecialTokens(base, List.copyOf(names));
    }

    /** These tokens plus those of {@code more} not already present, with the next free ids. */
    SpecialTokens plus(List<String> more) {
        var all = new java.util.ArrayList<>(List.of(names));
        for (String name : more) {
            if (!ids.containsKey(name) && !all.contains(name)) {
                all.add(name);
            }
        }
        return new SpecialTokens(base, all);
    }

    int base() {
        return base;
    }

    int size() {
        return names.length;
    }

    Map<String, Integer> ids() {
        return ids;
    }

    List<String> names() {
        return List.of(names);
    }

    boolean isSpecial(int id) {
        return id >= base && id < base + names.length;
    }

    String name(int id) {
        return names[id - base];
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
