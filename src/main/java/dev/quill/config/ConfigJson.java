package dev.quill.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;

/**
 * Reading config records from JSON with messages a user can act on: an unknown key suggests the nearest
 * valid one ({@code unknown key train.max_iter; did you mean train.max_iters?}), a wrong type names the
 * key, the value and the type wanted. Each config record uses these in its {@code fromJson}.
 */
public final class ConfigJson {

    /** The one Jackson mapper of the config package. */
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private ConfigJson() {
    }

    /**
     * Fails on the first key of {@code node} that is not in {@code allowed}, suggesting the nearest.
     *
     * @param section the section's name in messages ({@code train})
     * @param node    the section's JSON; anything but an object fails
     * @param allowed the section's keys
     * @throws BadInputException naming the unknown key and the nearest allowed one (or all of them)
     */
    public static void checkKeys(String section, JsonNode node, Collection<String> allowed) {
        if (!node.isObject()) {
            throw new BadInputException(section + " must be a JSON object, got " + node);
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw new BadInputException("unknown key " + section + "." + key + nearest(section, key, allowed));
            }
        }
    }

    private static String nearest(String section, String key, Collection<String> allowed) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String candidate : allowed) {
            int d = editDistance(key, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        boolean close = best != null && bestDistance <= Math.max(2, key.length() / 3);
        return close ? "; did you mean " + section + "." + best + "?" : "; valid keys: " + String.join(", ", allowed);
    }

    /** Levenshtein distance: insertions, deletions and substitutions, each costing one. */
    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /**
     * Reads an integer; a whole number written as a float ({@code 2e3}, {@code 2000.0}) is accepted.
     *
     * @param section  the section's name in messages ({@code train})
     * @param node     the section's JSON object
     * @param key      the key within the section ({@code max_iters}, not {@code train.max_iters})
     * @param fallback the value when the key is absent or JSON null
     * @return the key's value, or {@code fallback}
     * @throws BadInputException when the value is not a whole number that fits an int
     */
    public static int getInt(String section, JsonNode node, String key, int fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (v.isIntegralNumber() && v.canConvertToInt()) {
            return v.intValue();
        }
        if (v.isNumber() && v.doubleValue() == Math.rint(v.doubleValue()) && Math.abs(v.doubleValue()) < Integer.MAX_VALUE) {
            return (int) v.doubleValue(); // 2e3 or 2000.0 written for an integer
        }
        throw wrongType(section, key, v, "an integer");
    }

    /**
     * Reads a long integer (a seed, a token count); floats are refused.
     *
     * @param section  the section's name in messages ({@code train})
     * @param node     the section's JSON object
     * @param key      the key within the section ({@code max_iters}, not {@code train.max_iters})
     * @param fallback the value when the key is absent or JSON null
     * @return the key's value, or {@code fallback}
     * @throws BadInputException when the value is not a JSON integer that fits a long
     */
    public static long getLong(String section, JsonNode node, String key, long fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return v.longValue();
        }
        throw wrongType(section, key, v, "an integer");
    }

    /**
     * Reads a number, integer or float.
     *
     * @param section  the section's name in messages ({@code train})
     * @param node     the section's JSON object
     * @param key      the key within the section ({@code max_iters}, not {@code train.max_iters})
     * @param fallback the value when the key is absent or JSON null
     * @return the key's value, or {@code fallback}
     * @throws BadInputException when the value is not a JSON number (a quoted {@code "3e-4"} included)
     */
    public static double getDouble(String section, JsonNode node, String key, double fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (v.isNumber()) {
            return v.doubleValue();
        }
        throw wrongType(section, key, v, "a number");
    }

    /**
     * Reads a JSON boolean; strings and 0/1 are refused.
     *
     * @param section  the section's name in messages ({@code train})
     * @param node     the section's JSON object
     * @param key      the key within the section ({@code max_iters}, not {@code train.max_iters})
     * @param fallback the value when the key is absent or JSON null
     * @return the key's value, or {@code fallback}
     * @throws BadInputException when the value is not {@code true} or {@code false}
     */
    public static boolean getBoolean(String section, JsonNode node, String key, boolean fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        throw wrongType(section, key, v, "true or false");
    }

    /**
     * Reads a string; numbers and booleans are not converted.
     *
     * @param section  the section's name in messages ({@code train})
     * @param node     the section's JSON object
     * @param key      the key within the section ({@code max_iters}, not {@code train.max_iters})
     * @param fallback the value when the key is absent or JSON null (may be null)
     * @return the key's value, or {@code fallback}
     * @throws BadInputException when the value is not a JSON string
     */
    public static String getString(String section, JsonNode node, String key, String fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (v.isTextual()) {
            return v.textValue();
        }
        throw wrongType(section, key, v, "a string");
    }

    /**
     * Reads a list of strings: a JSON array of strings, or one string read as a list of one.
     *
     * @param section  the section's name in messages ({@code train})
     * @param node     the section's JSON object
     * @param key      the key within the section ({@code max_iters}, not {@code train.max_iters})
     * @param fallback the value when the key is absent or JSON null
     * @return the strings in order (a new list, or an immutable one of one), or {@code fallback}
     * @throws BadInputException when the value is neither a string nor an array holding only strings
     */
    public static List<String> getStringList(String section, JsonNode node, String key, List<String> fallback) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (v.isTextual()) {
            return List.of(v.textValue());
        }
        if (v.isArray()) {
            List<String> out = new ArrayList<>();
            for (JsonNode e : v) {
                if (!e.isTextual()) {
                    throw wrongType(section, key, v, "a list of strings");
                }
                out.add(e.textValue());
            }
            return out;
        }
        throw wrongType(section, key, v, "a list of strings");
    }

    private static BadInputException wrongType(String section, String key, JsonNode v, String wanted) {
        return new BadInputException(section + "." + key + " must be " + wanted + ", got " + v);
    }

    /**
     * Reads a JSON file that must hold one object (a run config, a pipeline). Every failure is one line
     * naming the file: missing, unreadable, malformed (with line and column), or not an object.
     *
     * @param file the file
     * @param what what the file is, for messages ("config", "pipeline")
     * @param expected what the object should hold, for the not-an-object message
     * @return the object
     * @throws BadInputException as above
     */
    public static ObjectNode readObject(java.nio.file.Path file, String what, String expected) {
        try {
            JsonNode node = MAPPER.readTree(java.nio.file.Files.readString(file));
            if (node == null || !node.isObject()) {
                throw new BadInputException(what + " " + file + ": expected " + expected);
            }
            return (ObjectNode) node;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BadInputException(what + " file " + file + " does not exist");
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw malformed(what, file, e);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new BadInputException(what + " " + file + ": not valid UTF-8");
        } catch (java.io.IOException e) {
            throw new BadInputException("cannot read " + what + " " + file + ": " + e.getMessage());
        }
    }

    /**
     * {@return the one-line error for a JSON file that does not parse: "WHAT FILE: malformed JSON at line L,
     * column C: what the parser expected"}
     *
     * @param what what the file is ("config", "checkpoint config")
     * @param file the file
     * @param e    the parser's exception
     */
    public static BadInputException malformed(String what, java.nio.file.Path file,
                                              com.fasterxml.jackson.core.JsonProcessingException e) {
        String where = e.getLocation() == null ? "" // a constraint (nesting too deep) has no location
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
        return new BadInputException(what + " " + file + ": malformed JSON" + where + ": "
                + String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse(""));
    }

    /** {@return a new, empty JSON object from the package's mapper} */
    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /**
     * Fails unless {@code ok}, with "section.key = value: what is allowed". The config records' constructors
     * are written as one {@code require} per rule.
     *
     * @param ok      the rule holds
     * @param section the section's name ({@code model})
     * @param key     the JSON key the rule is about
     * @param value   the offending value, printed as is
     * @param allowed what would be accepted ({@code must be at least 1})
     * @throws BadInputException when {@code ok} is false
     */
    public static void require(boolean ok, String section, String key, Object value, String allowed) {
        if (!ok) {
            throw new BadInputException(section + "." + key + " = " + value + ": " + allowed);
        }
    }
}
