package dev.quill.data;

import dev.quill.config.BadInputException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns text into token ids and back: the model only ever sees the ids.
 *
 * <p>Two kinds, one per file: {@link CharTokenizer} (one id per Unicode code point of the training
 * text, the nanoGPT character model) and {@link BpeTokenizer} (byte-level byte-pair encoding, the
 * GPT-2 scheme). A tokenizer is immutable and exists only once trained or loaded, so "an untrained
 * tokenizer" cannot be used by mistake; {@link #load(Path)} on a missing file says how to make one.
 *
 * <p>Ids: the ordinary vocabulary first, then the special tokens ({@link #specialTokens()}), which a
 * later phase can extend with {@link #withSpecialTokens(List)} without renumbering anything.
 * {@link #vocabSize()} counts both, and is the size of the model's embedding table.
 *
 * <p>Text must be well-formed Unicode: an unpaired surrogate is a {@link BadInputException} (see
 * {@link Text}). With NFC normalisation on ({@link #normalizesNfc()}, off by default, recorded in the
 * file), text is normalised before encoding, so the round trip holds for NFC text only.
 *
 * <p>Persistence: one JSON file ({@code tokenizer.json}) whose {@code "type"} field is {@code "char"}
 * or {@code "bpe"}; a checkpoint carries it.
 */
public sealed interface Tokenizer permits CharTokenizer, BpeTokenizer {

    /** The file name a checkpoint uses for its tokenizer. */
    String FILE_NAME = "tokenizer.json";

    /** {@code "char"} or {@code "bpe"}: the {@code "type"} field of the JSON file. */
    String type();

    /** Number of ids, special tokens included: the model's vocabulary size {@code V}. */
    int vocabSize();

    /** Whether input text is NFC-normalised before encoding. */
    boolean normalizesNfc();

    /** Special tokens, name to id, in id order (unmodifiable). */
    Map<String, Integer> specialTokens();

    /**
     * The id of one special token.
     *
     * @throws BadInputException if this tokenizer has no such token
     */
    int specialTokenId(String name);

    /**
     * Encodes text. With {@code allowSpecial} set, special-token strings in the text (say
     * {@code <|end|>}) become their ids; without it they are ordinary text, so user input cannot
     * smuggle in control tokens.
     *
     * @throws BadInputException for text this tokenizer cannot encode (an unpaired surrogate, or a
     *                           character outside a character vocabulary)
     */
    int[] encode(String text, boolean allowSpecial);

    /** Encodes plain text: special-token strings are not recognised. */
    default int[] encode(String text) {
        return encode(text, false);
    }

    /**
     * Decodes ids to text; special tokens decode to their names.
     *
     * @throws BadInputException for an id outside {@code [0, vocabSize())}
     */
    String decode(int[] ids);

    /** {@link #encode(String)} of each text. */
    default List<int[]> encodeBatch(List<String> texts) {
        var out = new ArrayList<int[]>(texts.size());
        for (String text : texts) {
            out.add(encode(text));
        }
        return out;
    }

    /** {@link #decode(int[])} of each id sequence. */
    default List<String> decodeBatch(List<int[]> idLists) {
        var out = new ArrayList<String>(idLists.size());
        for (int[] ids : idLists) {
            out.add(decode(ids));
        }
        return out;
    }

    /**
     * A copy of this tokenizer with the given special tokens added at the end of the vocabulary (those
     * it already has keep their ids). For fine-tuning: {@code withSpecialTokens(List.of("<|user|>",
     * "<|end|>"))}.
     */
    Tokenizer withSpecialTokens(List<String> names);

    /** Writes this tokenizer to one JSON file, atomically. */
    void save(Path file);

    /**
     * Reads a tokenizer written by {@link #save(Path)}, of either type.
     *
     * @throws BadInputException if the file is missing or is not a valid tokenizer file
     */
    static Tokenizer load(Path file) {
        return TokenizerJson.load(file);
    }
}
