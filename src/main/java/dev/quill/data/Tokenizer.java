package dev.quill.data;

import dev.quill.config.BadInputException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns text into token ids and back: the model only ever sees the ids.
 *
 * <p>Three kinds, one per file: {@link CharTokenizer} (one id per Unicode code point of the training
 * text, the nanoGPT character model), {@link BpeTokenizer} (byte-level byte-pair encoding, the GPT-2
 * scheme, trained by Quill) and {@link Gpt2Tokenizer} (GPT-2's own vocabulary, read from its files).
 * A tokenizer is immutable and exists only once trained or loaded, so "an untrained
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
 * <p>Persistence: one JSON file ({@code tokenizer.json}); a checkpoint carries it. Quill's own
 * tokenizers write a {@code "type"} field of {@code "char"} or {@code "bpe"}; a {@link Gpt2Tokenizer}
 * writes Hugging Face's format, which {@link #load} recognises by its structure.
 * {@link #fromDirectory} finds the tokenizer of a model directory in any of the forms.
 */
public sealed interface Tokenizer permits CharTokenizer, BpeTokenizer, Gpt2Tokenizer {

    /** The file name a checkpoint uses for its tokenizer. */
    String FILE_NAME = "tokenizer.json";

    /** {@return {@code "char"}, {@code "bpe"} (the {@code "type"} field of Quill's JSON file) or {@code "gpt2"}} */
    String type();

    /** {@return the number of ids, special tokens included: the model's vocabulary size {@code V}} */
    int vocabSize();

    /** {@return whether input text is NFC-normalised before encoding} */
    boolean normalizesNfc();

    /** {@return the special tokens, name to id, in id order (unmodifiable)} */
    Map<String, Integer> specialTokens();

    /**
     * The id of one special token.
     *
     * @param name the token's string, e.g. {@code <|endoftext|>}
     * @return its id
     * @throws BadInputException if this tokenizer has no such token
     */
    int specialTokenId(String name);

    /**
     * Encodes text. With {@code allowSpecial} set, special-token strings in the text (say
     * {@code <|end|>}) become their ids; without it they are ordinary text, so user input cannot
     * smuggle in control tokens.
     *
     * @param text         any text
     * @param allowSpecial recognise special-token strings
     * @return the ids
     * @throws BadInputException for text this tokenizer cannot encode (an unpaired surrogate, or a
     *                           character outside a character vocabulary)
     */
    int[] encode(String text, boolean allowSpecial);

    /**
     * Encodes plain text: special-token strings are not recognised.
     *
     * @param text any text
     * @return the ids
     * @throws BadInputException for text this tokenizer cannot encode
     */
    default int[] encode(String text) {
        return encode(text, false);
    }

    /**
     * Decodes ids to text; special tokens decode to their names.
     *
     * @param ids token ids
     * @return the text
     * @throws BadInputException for an id outside {@code [0, vocabSize())}
     */
    String decode(int[] ids);

    /**
     * The bytes that a token sequence stands for. For the byte-level tokenizers ({@link BpeTokenizer},
     * {@link Gpt2Tokenizer}) these are the tokens' raw bytes, which need not be valid UTF-8 when the
     * sequence ends inside a character (a streaming decoder buffers them until it completes); for the
     * character tokenizer, the UTF-8 of {@link #decode}.
     *
     * @param ids token ids
     * @return the bytes
     * @throws BadInputException for an id outside the vocabulary
     */
    default byte[] decodeBytes(int[] ids) {
        return decode(ids).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param texts any texts
     * @return {@link #encode(String)} of each text, in order
     */
    default List<int[]> encodeBatch(List<String> texts) {
        var out = new ArrayList<int[]>(texts.size());
        for (String text : texts) {
            out.add(encode(text));
        }
        return out;
    }

    /**
     * @param idLists token id sequences
     * @return {@link #decode(int[])} of each sequence, in order
     */
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
     *
     * @param names the special tokens wanted; new ones get the next ids, in this order
     * @return the extended tokenizer (this one is unchanged)
     */
    Tokenizer withSpecialTokens(List<String> names);

    /**
     * Writes this tokenizer to one JSON file, atomically.
     *
     * @param file the file to write (replaced when it exists)
     */
    void save(Path file);

    /**
     * Reads a tokenizer written by {@link #save(Path)}, of any type, or a Hugging Face
     * {@code tokenizer.json} of a byte-level BPE (GPT-2's kind).
     *
     * @param file a {@code tokenizer.json}
     * @return the tokenizer
     * @throws BadInputException if the file is missing or is not a valid tokenizer file
     */
    static Tokenizer load(Path file) {
        return TokenizerJson.load(file);
    }

    /**
     * The tokenizer of a model directory: a {@code tokenizer.json} (Quill's or Hugging Face's), else
     * {@code vocab.json} + {@code merges.txt}, else {@code encoder.json} + {@code vocab.bpe}.
     *
     * @param dir a directory
     * @return its tokenizer
     * @throws BadInputException in one line when the directory holds none, or a bad one
     */
    static Tokenizer fromDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new BadInputException(dir + " is not a directory; expected a model directory with a tokenizer");
        }
        if (Files.isRegularFile(dir.resolve(FILE_NAME))) {
            return load(dir.resolve(FILE_NAME));
        }
        if (Gpt2Tokenizer.hasFiles(dir)) {
            return Gpt2Tokenizer.load(dir);
        }
        throw new BadInputException(dir + " holds no tokenizer: expected " + FILE_NAME
                + ", vocab.json + merges.txt, or encoder.json + vocab.bpe");
    }

    /**
     * A tokenizer from a directory ({@link #fromDirectory}) or a file: {@code vocab.json},
     * {@code merges.txt}, {@code encoder.json} and {@code vocab.bpe} are read with their partner file,
     * any other file as a {@code tokenizer.json} ({@link #load}).
     *
     * @param dirOrFile a directory or a tokenizer file
     * @return the tokenizer
     * @throws BadInputException in one line naming the file and what is wrong
     */
    static Tokenizer fromPath(Path dirOrFile) {
        if (Files.isDirectory(dirOrFile)) {
            return fromDirectory(dirOrFile);
        }
        String name = dirOrFile.getFileName() == null ? "" : dirOrFile.getFileName().toString();
        return switch (name) {
            case "vocab.json", "merges.txt", "encoder.json", "vocab.bpe" -> Gpt2Tokenizer.load(dirOrFile);
            default -> load(dirOrFile);
        };
    }
}
