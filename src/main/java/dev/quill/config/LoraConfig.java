package dev.quill.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Low-rank adapters (LoRA, Hu et al. 2021): which projections get a trainable update {@code (alpha/r) B A}
 * beside their frozen weight, and how big it is. Keys as in the {@code lora} section of a run config; the
 * adapter files use PEFT's names for the same values ({@code r}, {@code lora_alpha}, {@code lora_dropout},
 * {@code target_modules}).
 *
 * <p>A target is a module path or a suffix of one made of whole dot-separated names, PEFT's rule for a list
 * of {@code target_modules}: {@code "c_attn"} matches {@code transformer.h.0.attn.c_attn} in every block,
 * {@code "attn.c_proj"} matches the attention output projections but not {@code mlp.c_proj}, and
 * {@code "h.0.attn.c_attn"} only the first block's. No wildcards or regular expressions, so a pattern
 * means the same to Quill and to PEFT.
 *
 * @param rank    {@code rank}: r, the inner size of the update (A is (r, in), B is (out, r)); at least 1
 * @param alpha   {@code alpha}: the update is scaled by alpha / r (PEFT's default scaling); positive
 * @param dropout {@code dropout}: dropout on the adapters' input, in [0, 1)
 * @param targets {@code targets}: the module path patterns above; at least one
 * @param trainEmbeddings {@code train_embeddings}: also train the token embedding (and the head tied to it) in
 *                full, PEFT's {@code modules_to_save}; needed when fine-tuning added tokens (a chat template's
 *                markers), whose rows would otherwise stay at their random initialization. Default false: then
 *                every base weight stays bitwise unchanged.
 */
public record LoraConfig(int rank, double alpha, double dropout, List<String> targets, boolean trainEmbeddings) {

    /** The JSON keys, in the order {@link #toJson()} writes them. */
    public static final List<String> KEYS = List.of("rank", "alpha", "dropout", "targets", "train_embeddings");

    private static final String S = "lora";
    private static final Pattern TARGET = Pattern.compile("[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*");

    /**
     * Validates every field and copies {@code targets} into an immutable list.
     *
     * @param rank    r, the inner size of the update; at least 1
     * @param alpha   the scale numerator (update scaled by alpha / r); positive and finite
     * @param dropout dropout probability on the adapters' input, in [0, 1)
     * @param targets module path patterns (whole dot-separated names such as {@code "attn.c_attn"}); non-empty
     * @param trainEmbeddings whether the token embedding (tied to the head) also trains, in full
     * @throws BadInputException naming the key, the value and what is allowed
     */
    public LoraConfig {
        ConfigJson.require(rank >= 1, S, "rank", rank, "must be at least 1");
        ConfigJson.require(alpha > 0 && Double.isFinite(alpha), S, "alpha", alpha, "must be positive");
        ConfigJson.require(dropout >= 0 && dropout < 1, S, "dropout", dropout, "must be in [0, 1)");
        ConfigJson.require(targets != null && !targets.isEmpty(), S, "targets", show(targets),
                "must list at least one module, e.g. [\"attn.c_attn\", \"attn.c_proj\"]");
        for (String t : targets) {
            ConfigJson.require(t != null && TARGET.matcher(t).matches(), S, "targets", show(targets),
                    "each target is a module name or a dotted path suffix such as \"c_attn\" or \"attn.c_proj\", not "
                            + (t == null ? "null" : "\"" + t + "\""));
        }
        targets = List.copyOf(targets);
    }

    /**
     * Adapters only, the embedding frozen like every other base weight.
     *
     * @param rank    r, the inner size of the update; at least 1
     * @param alpha   the scale numerator (update scaled by alpha / r); positive and finite
     * @param dropout dropout probability on the adapters' input, in [0, 1)
     * @param targets module path patterns; non-empty
     * @throws BadInputException naming the key, the value and what is allowed
     */
    public LoraConfig(int rank, double alpha, double dropout, List<String> targets) {
        this(rank, alpha, dropout, targets, false);
    }

    /**
     * {@return rank 8, alpha 16, no dropout, on the attention projections {@code attn.c_attn} and
     * {@code attn.c_proj}}
     */
    public static LoraConfig defaults() {
        return new LoraConfig(8, 16.0, 0.0, List.of("attn.c_attn", "attn.c_proj"));
    }

    /** {@return the factor of the update, alpha / r} */
    public double scale() {
        return alpha / rank;
    }

    /**
     * Whether some target names a module: the path equals the target or ends with a dot followed by it.
     *
     * @param modulePath the module's dotted path from the model root ({@code transformer.h.0.attn.c_attn})
     * @return true when at least one of {@link #targets} matches it
     */
    public boolean matches(String modulePath) {
        return targets.stream().anyMatch(t -> targetMatches(t, modulePath));
    }

    /**
     * The matching rule for one target (see {@link #matches}): equal, or a suffix starting after a dot, so
     * {@code "c_proj"} matches {@code mlp.c_proj} but not {@code mlp.xc_proj}.
     *
     * @param target     one pattern, e.g. {@code "attn.c_proj"}
     * @param modulePath the module's dotted path from the model root
     * @return true when {@code target} names the module at {@code modulePath}
     */
    public static boolean targetMatches(String target, String modulePath) {
        return modulePath.equals(target) || modulePath.endsWith("." + target);
    }

    /**
     * Reads the keys present in {@code node} over the values of {@code defaults}; unknown keys fail with a
     * suggestion. {@code targets} is a JSON list of strings, or one string for a single target.
     *
     * @param node     the {@code lora} section, a JSON object
     * @param defaults the values of the keys {@code node} leaves out
     * @return the validated config
     * @throws BadInputException for an unknown key, a wrong type or a value out of range
     */
    public static LoraConfig fromJson(JsonNode node, LoraConfig defaults) {
        ConfigJson.checkKeys(S, node, KEYS);
        LoraConfig d = defaults;
        return new LoraConfig(ConfigJson.getInt(S, node, "rank", d.rank), ConfigJson.getDouble(S, node, "alpha", d.alpha),
                ConfigJson.getDouble(S, node, "dropout", d.dropout), ConfigJson.getStringList(S, node, "targets", d.targets),
                ConfigJson.getBoolean(S, node, "train_embeddings", d.trainEmbeddings));
    }

    /** {@return a new JSON object with every key, in {@link #KEYS} order} */
    public ObjectNode toJson() {
        ObjectNode o = ConfigJson.object();
        o.put("rank", rank).put("alpha", alpha).put("dropout", dropout);
        ArrayNode list = o.putArray("targets");
        targets.forEach(list::add);
        o.put("train_embeddings", trainEmbeddings);
        return o;
    }

    private static String show(List<String> targets) {
        if (targets == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("[");
        for (String t : targets) {
            b.append(b.length() == 1 ? "" : ", ").append(t == null ? "null" : "\"" + t + "\"");
        }
        return b.append(']').toString();
    }
}
