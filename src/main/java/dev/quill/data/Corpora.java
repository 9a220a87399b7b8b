package dev.quill.data;

import dev.quill.config.BadInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Where text comes from: files read as strict UTF-8, and tiny Shakespeare (Karpathy's char-rnn corpus,
 * 1,115,394 bytes of plays) found in the data folder or downloaded there once.
 *
 * <p>The data folder is the system property {@value #DATA_DIR_PROPERTY}, or {@code data} in the
 * working directory. An explicit path, where a method takes one, always wins over it.
 */
public final class Corpora {

    /** The system property that names the data folder. */
    public static final String DATA_DIR_PROPERTY = "quill.data.dir";

    /** Tiny Shakespeare: where it lives on the web, its size and its hash. */
    public static final RemoteFile TINY_SHAKESPEARE = new RemoteFile(
            "tinyshakespeare.txt",
            URI.create("https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"),
            1_115_394L,
            "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed");

    private Corpora() {
    }

    /** {@return the data folder: {@code -Dquill.data.dir}, else {@code data} (relative to the working directory)} */
    public static Path dataDir() {
        return Path.of(System.getProperty(DATA_DIR_PROPERTY, "data"));
    }

    /**
     * {@return the text of tiny Shakespeare from the data folder, downloading it there if missing}
     *
     * @throws BadInputException when the download fails or the file's size or hash is wrong
     */
    public static String tinyShakespeare() {
        return readText(TINY_SHAKESPEARE.ensure(dataDir()));
    }

    /**
     * The training text: {@code file} when one is given (an explicit path always wins), else tiny
     * Shakespeare from the data folder.
     *
     * @param file a text file, or {@code null} for the default corpus
     * @return the whole text
     * @throws BadInputException when the file cannot be read or is not valid UTF-8, or the download fails
     */
    public static String textOrTinyShakespeare(Path file) {
        return readText(fileOrTinyShakespeare(file));
    }

    /**
     * The training text's file: {@code file} when one is given, else tiny Shakespeare in the data folder,
     * downloaded there if missing and checked against its known size and hash either way.
     *
     * @param file a text file, or {@code null} for the default corpus
     * @return the file to read
     * @throws BadInputException when the download fails or the default corpus's size or hash is wrong
     */
    public static Path fileOrTinyShakespeare(Path file) {
        return file != null ? file : TINY_SHAKESPEARE.ensure(dataDir());
    }

    /**
     * Reads a whole text file as UTF-8, strictly.
     *
     * @param file the file
     * @return its text
     * @throws BadInputException if the file is missing, empty, or not valid UTF-8 (with the byte offset)
     */
    public static String readText(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new BadInputException("no such file: " + file.toAbsolutePath() + "; check the path");
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
        if (bytes.length == 0) {
            throw new BadInputException("the corpus " + file + " is empty: give it some text");
        }
        return Text.decodeUtf8(bytes, file.toString());
    }
}
