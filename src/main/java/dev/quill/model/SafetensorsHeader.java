package dev.quill.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.quill.config.BadInputException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The JSON header of a {@link Safetensors} file, checked whole before anything is allocated: each tensor's
 * dtype (one Quill reads), shape, and data offsets [begin, end) within the data section, whose length must
 * be the shape's bytes, inside the section, and shared with no other tensor; plus the optional
 * {@code __metadata__} string map. Every failure is one {@link BadInputException} naming the file and,
 * where there is one, the tensor.
 */
final class SafetensorsHeader {

    static final String METADATA_KEY = "__metadata__";

    /** Duplicate keys and trailing content are errors, as in the reference implementation. */
    static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** One validated header entry. */
    record Entry(String name, SafetensorsDtype dtype, long[] shape, long begin, long end) {}

    private SafetensorsHeader() {}

    /** Parses and checks the header; fills {@code metadata}; returns the tensors in header order. */
    static List<Entry> parse(Path file, byte[] header, long dataLen, Map<String, String> metadata) {
        JsonNode root;
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(header))
                    .toString();
            root = JSON.readTree(text);
        } catch (CharacterCodingException e) {
            throw bad(file, "header is not valid UTF-8");
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            throw bad(file, "header is not valid JSON (%s%s)", e.getOriginalMessage(),
                    loc == null ? "" : " at column " + loc.getColumnNr());
        }
        if (root == null || !root.isObject()) {
            throw bad(file, "header is not a JSON object");
        }

        var entries = new ArrayList<Entry>();
        for (var it = root.fields(); it.hasNext(); ) {
            var field = it.next();
            String name = field.getKey();
            JsonNode node = field.getValue();
            if (name.equals(METADATA_KEY)) {
                if (!node.isObject()) {
                    throw bad(file, "__metadata__ is not a JSON object");
                }
                for (var m = node.fields(); m.hasNext(); ) {
                    var kv = m.next();
                    if (!kv.getValue().isTextual()) {
                        throw bad(file, "__metadata__ value of '%s' is not a string", kv.getKey());
                    }
                    metadata.put(kv.getKey(), kv.getValue().textValue());
                }
                continue;
            }
            entries.add(parseEntry(file, name, node, dataLen));
        }
        checkNoOverlap(file, entries);
        return entries;
    }

    private static Entry parseEntry(Path file, String name, JsonNode node, long dataLen) {
        if (!node.isObject()) {
            throw badTensor(file, name, "entry is not a JSON object");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw badTensor(file, name, "\"dtype\" is missing or not a string");
        }
        SafetensorsDtype dtype = SafetensorsDtype.parse(dtypeNode.textValue()).orElseThrow(() -> badTensor(file,
                name, "dtype %s is not supported (Quill reads %s)", dtypeNode.textValue(),
                Arrays.toString(SafetensorsDtype.values())));
        long[] shape = longs(file, name, node.get("shape"), "shape", -1);
        long[] offsets = longs(file, name, node.get("data_offsets"), "data_offsets", 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw badTensor(file, name, "data_offsets [%d, %d) end before they begin", begin, end);
        }
        long numel;
        long needed;
        try {
            numel = 1;
            for (long d : shape) {
                numel = Math.multiplyExact(numel, d);
            }
            needed = Math.multiplyExact(numel, dtype.bytes);
            // asNio() views are int-indexed: one tensor is at most 2 GiB once loaded
            Math.toIntExact(Math.multiplyExact(numel, dtype.loadsAs.width()));
        } catch (ArithmeticException e) {
            throw badTensor(file, name, "shape %s is too large", Arrays.toString(shape));
        }
        if (end - begin != needed) {
            throw badTensor(file, name, "data_offsets [%d, %d) hold %d bytes but shape %s of %s needs %d",
                    begin, end, end - begin, Arrays.toString(shape), dtype, needed);
        }
        if (end > dataLen) {
            throw badTensor(file, name, "data_offsets [%d, %d) run past the end of the data section (%d bytes):"
                    + " the file is truncated or the header is wrong", begin, end, dataLen);
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** A JSON array of non-negative integers ({@code length} of them, or any number when -1). */
    private static long[] longs(Path file, String tensor, JsonNode node, String key, int length) {
        if (node == null || !node.isArray() || (length >= 0 && node.size() != length)) {
            throw badTensor(file, tensor, "\"%s\" is missing or not an array%s", key,
                    length >= 0 ? " of " + length + " integers" : "");
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw badTensor(file, tensor, "\"%s\" holds %s, not a non-negative integer", key, v);
            }
            out[i] = v.longValue();
        }
        return out;
    }

    /** Two tensors may not share a byte. Empty tensors hold no bytes and overlap nothing. */
    private static void checkNoOverlap(Path file, List<Entry> entries) {
        List<Entry> byBegin = entries.stream()
                .filter(e -> e.end() > e.begin())
                .sorted(Comparator.comparingLong(Entry::begin))
                .toList();
        for (int i = 1; i < byBegin.size(); i++) {
            Entry prev = byBegin.get(i - 1);
            Entry cur = byBegin.get(i);
            if (cur.begin() < prev.end()) {
                throw bad(file, "tensors '%s' [%d, %d) and '%s' [%d, %d) overlap", prev.name(), prev.begin(),
                        prev.end(), cur.name(), cur.begin(), cur.end());
            }
        }
    }

    /** A one-line error naming the file (line breaks in the message become spaces). */
    static BadInputException bad(Path file, String format, Object... args) {
        String msg = file + ": " + String.format(format, args);
        return new BadInputException(msg.replace('\n', ' ').replace('\r', ' '));
    }

    /** A one-line error naming the file and the tensor. */
    static BadInputException badTensor(Path file, String tensor, String format, Object... args) {
        return bad(file, "tensor '" + tensor + "': " + format, args);
    }
}
