package dev.quill.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Supervised fine-tuning (SFT) data: where the conversations come from, how they are cleaned and split,
 * and how much plain pre-training text is mixed into each batch. The {@code sft} section of a run config.
 *
 * <p>Two kinds of source. JSON Lines ({@code format} "auto", "messages" or "prompt_response"), one
 * conversation a line: {@code {"messages": [{"role": "user", "content": "..."}, ...]}} or
 * {@code {"prompt": "...", "response": "..."}} with an optional {@code "system"}. Or a plain-text
 * transcript ({@code format} "transcript") whose speaker lines are recognised by {@code roles}: each role
 * lists patterns, and a line that starts with one of them starts a turn of that role.
 *
 * @param path                   {@code path}: the JSONL or transcript file; null in the defaults, and
 *                               required before any data is loaded
 * @param format                 {@code format}: "auto" (JSONL, each line in either form), "messages",
 *                               "prompt_response" (JSONL, every line in that form) or "transcript"
 * @param roles                  {@code roles}: transcript only, role to patterns, in the order written
 *                               (the first match wins). Roles: "system", "user", "assistant",
 *                               "alternate" (speakers take turns user, assistant, user, ... within each
 *                               conversation) and "skip" (turns dropped, counted, and ending the current
 *                               conversation). Default: any tiny Shakespeare speaker line alternates
 * @param regex                  {@code regex}: patterns are Java regular expressions matched at the start
 *                               of a line (true, the default) or literal line prefixes (false)
 * @param caseSensitive          {@code case_sensitive}: patterns match case-sensitively (default true)
 * @param blankLineBeforeSpeaker {@code blank_line_before_speaker}: a speaker line must follow a blank line
 *                               or start the text (default true: in a play, speech lines can end with a
 *                               colon too)
 * @param turnsPerConversation   {@code turns_per_conversation}: consecutive transcript turns grouped into
 *                               one conversation (default 2: one user turn, one assistant turn)
 * @param template               {@code template}: the chat template, "default" (see DefaultChatTemplate)
 * @param mixRatio               {@code mix_ratio}: the fraction of each batch's rows that are windows of
 *                               plain pre-training text, in [0, 1) (default 0: SFT rows only)
 * @param maxTrainExamples       {@code max_train_examples}: cap on training conversations (0 = all)
 * @param minTokens              {@code min_tokens}: drop conversations whose rendering is shorter (0 = off)
 * @param maxTokens              {@code max_tokens}: drop conversations whose rendering is longer (0 = off);
 *                               longer than block_size + 1 but kept means truncated, and counted
 * @param dedup                  {@code dedup}: drop exact duplicate conversations, keeping the first
 *                               (default true: a duplicate across the split leaks validation data)
 * @param skipBadLines           {@code skip_bad_lines}: count and skip malformed lines instead of failing
 *                               on the first (default false)
 * @param valFraction            {@code val_fraction}: the share of conversations held out, in [0, 1)
 * @param splitSeed              {@code split_seed}: seeds the train/validation shuffle, apart from
 *                               train.seed, so runs with different seeds validate on the same conversations
 */
public record SftConfig(String path, String format, Map<String, List<String>> roles, boolean regex,
                        boolean caseSensitive, boolean blankLineBeforeSpeaker, int turnsPerConversation,
                        String template, double mixRatio, int maxTrainExamples, int minTokens, int maxTokens,
                        boolean dedup, boolean skipBadLines, double valFraction, long splitSeed) {

    /** The JSON keys, in the order {@link #toJson()} writes them. */
    public static final List<String> KEYS = List.of("path", "format", "roles", "regex", "case_sensitive",
            "blank_line_before_speaker", "turns_per_conversation", "template", "mix_ratio", "max_train_examples",
            "min_tokens", "max_tokens", "dedup", "skip_bad_lines", "val_fraction", "split_seed");

    /** The values of {@code format}. */
    public static final List<String> FORMATS = List.of("auto", "messages", "prompt_response", "transcript");

    /** The role names {@code roles} may use. */
    public static final List<String> ROLE_NAMES = List.of("system", "user", "assistant", "alternate", "skip");

    /** A tiny Shakespeare speaker line: "ROMEO:", "First Citizen:", "ALL SERVING-MEN:", "Senators, &amp;C:". */
    public static final String SHAKESPEARE_SPEAKER = "^[A-Z][A-Za-z ',&-]*:$";

    private static final String S = "sft";

    /**
     * Validates every value (each parameter is the key named; see the record's description).
     *
     * @param path {@code path}
     * @param format {@code format}
     * @param roles {@code roles}
     * @param regex {@code regex}
     * @param caseSensitive {@code case_sensitive}
     * @param blankLineBeforeSpeaker {@code blank_line_before_speaker}
     * @param turnsPerConversation {@code turns_per_conversation}
     * @param template {@code template}
     * @param mixRatio {@code mix_ratio}
     * @param maxTrainExamples {@code max_train_examples}
     * @param minTokens {@code min_tokens}
     * @param maxTokens {@code max_tokens}
     * @param dedup {@code dedup}
     * @param skipBadLines {@code skip_bad_lines}
     * @param valFraction {@code val_fraction}
     * @param splitSeed {@code split_seed}
     * @throws BadInputException naming the key, the value and what is allowed
     */
    public SftConfig {
        ConfigJson.require(path == null || !path.isBlank(), S, "path", quote(path), "must be a file path or null");
        ConfigJson.require(FORMATS.contains(format), S, "format", quote(format),
                "must be \"auto\", \"messages\", \"prompt_response\" or \"transcript\"");
        roles = checkRoles(roles, regex);
        ConfigJson.require(turnsPerConversation >= 1, S, "turns_per_conversation", turnsPerConversation, "must be at least 1");
        ConfigJson.require("default".equals(template), S, "template", quote(template), "must be \"default\"");
        ConfigJson.require(mixRatio >= 0 && mixRatio < 1, S, "mix_ratio", mixRatio,
                "must be in [0, 1): the fraction of batch rows from plain text (1 would leave no SFT rows)");
        ConfigJson.require(maxTrainExamples >= 0, S, "max_train_examples", maxTrainExamples, "must be 0 (all) or more");
        ConfigJson.require(minTokens >= 0, S, "min_tokens", minTokens, "must be 0 (off) or more");
        ConfigJson.require(maxTokens >= 0, S, "max_tokens", maxTokens, "must be 0 (off) or more");
        ConfigJson.require(maxTokens == 0 || minTokens <= maxTokens, S, "min_tokens", minTokens,
                "must not exceed sft.max_tokens = " + maxTokens);
        ConfigJson.require(valFraction >= 0 && valFraction < 1, S, "val_fraction", valFraction, "must be in [0, 1)");
    }

    /**
     * The defaults: no path yet; JSONL in either form, deduplicated, 10% held out, no text mixed in.
     *
     * @return the defaults
     */
    public static SftConfig defaults() {
        return new SftConfig(null, "auto", Map.of("alternate", List.of(SHAKESPEARE_SPEAKER)), true, true, true, 2,
                "default", 0.0, 0, 0, 0, true, false, 0.1, 1337);
    }

    /**
     * Reads the {@code sft} section; unknown keys suggest the nearest.
     *
     * @param n the section
     * @param d the values of keys it does not give
     * @return the config
     * @throws BadInputException for an unknown key, a wrong type or a bad value
     */
    public static SftConfig fromJson(JsonNode n, SftConfig d) {
        ConfigJson.checkKeys(S, n, KEYS);
        return new SftConfig(ConfigJson.getString(S, n, "path", d.path), ConfigJson.getString(S, n, "format", d.format),
                n.has("roles") ? rolesFromJson(n.get("roles")) : d.roles, ConfigJson.getBoolean(S, n, "regex", d.regex),
                ConfigJson.getBoolean(S, n, "case_sensitive", d.caseSensitive),
                ConfigJson.getBoolean(S, n, "blank_line_before_speaker", d.blankLineBeforeSpeaker),
                ConfigJson.getInt(S, n, "turns_per_conversation", d.turnsPerConversation),
                ConfigJson.getString(S, n, "template", d.template), ConfigJson.getDouble(S, n, "mix_ratio", d.mixRatio),
                ConfigJson.getInt(S, n, "max_train_examples", d.maxTrainExamples),
                ConfigJson.getInt(S, n, "min_tokens", d.minTokens), ConfigJson.getInt(S, n, "max_tokens", d.maxTokens),
                ConfigJson.getBoolean(S, n, "dedup", d.dedup), ConfigJson.getBoolean(S, n, "skip_bad_lines", d.skipBadLines),
                ConfigJson.getDouble(S, n, "val_fraction", d.valFraction), ConfigJson.getLong(S, n, "split_seed", d.splitSeed));
    }

    /**
     * The same config reading another file.
     *
     * @param p the path
     * @return the new config
     */
    public SftConfig withPath(String p) {
        return new SftConfig(p, format, roles, regex, caseSensitive, blankLineBeforeSpeaker, turnsPerConversation,
                template, mixRatio, maxTrainExamples, minTokens, maxTokens, dedup, skipBadLines, valFraction, splitSeed);
    }

    /**
     * The same config with another {@code mix_ratio}.
     *
     * @param r the ratio
     * @return the new config
     */
    public SftConfig withMixRatio(double r) {
        return new SftConfig(path, format, roles, regex, caseSensitive, blankLineBeforeSpeaker, turnsPerConversation,
                template, r, maxTrainExamples, minTokens, maxTokens, dedup, skipBadLines, valFraction, splitSeed);
    }

    /**
     * Every key, as resolved, for printing at start-up.
     *
     * @return the {@code sft} section
     */
    public ObjectNode toJson() {
        ObjectNode o = ConfigJson.object();
        if (path == null) {
            o.putNull("path");
        } else {
            o.put("path", path);
        }
        o.put("format", format);
        ObjectNode r = o.putObject("roles");
        roles.forEach((role, patterns) -> patterns.forEach(r.putArray(role)::add));
        return o.put("regex", regex).put("case_sensitive", caseSensitive)
                .put("blank_line_before_speaker", blankLineBeforeSpeaker).put("turns_per_conversation", turnsPerConversation)
                .put("template", template).put("mix_ratio", mixRatio).put("max_train_examples", maxTrainExamples)
                .put("min_tokens", minTokens).put("max_tokens", maxTokens).put("dedup", dedup)
                .put("skip_bad_lines", skipBadLines).put("val_fraction", valFraction).put("split_seed", splitSeed);
    }

    /** Known roles, non-empty pattern lists, compilable regexes, and some way to an assistant turn. */
    private static Map<String, List<String>> checkRoles(Map<String, List<String>> roles, boolean regex) {
        ConfigJson.require(roles != null && !roles.isEmpty(), S, "roles", roles, "must name at least one role");
        var copy = new LinkedHashMap<String, List<String>>();
        roles.forEach((role, patterns) -> {
            ConfigJson.require(ROLE_NAMES.contains(role), S, "roles", quote(role),
                    "is not a role; use " + String.join(", ", ROLE_NAMES));
            ConfigJson.require(patterns != null && !patterns.isEmpty(), S, "roles." + role, patterns,
                    "must list at least one pattern");
            for (int i = 0; i < patterns.size(); i++) {
                String p = patterns.get(i);
                ConfigJson.require(p != null && !p.isEmpty(), S, "roles." + role + "[" + i + "]", quote(p),
                        "must be a non-empty pattern");
                if (regex) {
                    try {
                        Pattern.compile(p);
                    } catch (PatternSyntaxException e) {
                        throw new BadInputException(S + ".roles." + role + "[" + i + "] = " + quote(p)
                                + ": not a regular expression (" + e.getDescription() + "); set sft.regex to false for literal text");
                    }
                }
            }
            copy.put(role, List.copyOf(patterns));
        });
        ConfigJson.require(copy.containsKey("assistant") || copy.containsKey("alternate"), S, "roles", copy.keySet(),
                "must include \"assistant\" or \"alternate\", or no turn would be an assistant's");
        return Collections.unmodifiableMap(copy);
    }

    private static Map<String, List<String>> rolesFromJson(JsonNode node) {
        ConfigJson.require(node.isObject(), S, "roles", node, "must be an object of role -> list of patterns");
        var roles = new LinkedHashMap<String, List<String>>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode v = e.getValue();
            var patterns = new ArrayList<String>();
            if (v.isTextual()) {
                patterns.add(v.textValue()); // one pattern written without the list
            } else {
                ConfigJson.require(v.isArray(), S, "roles." + e.getKey(), v, "must be a list of pattern strings");
                for (JsonNode p : v) {
                    ConfigJson.require(p.isTextual(), S, "roles." + e.getKey(), v, "must be a list of pattern strings");
                    patterns.add(p.textValue());
                }
            }
            roles.put(e.getKey(), patterns);
        }
        return roles;
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }
}
