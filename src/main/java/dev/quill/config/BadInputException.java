package dev.quill.config;

/**
 * Input that Quill cannot use: a malformed config, an unknown key, a missing or corrupt file, text
 * outside a tokenizer's vocabulary. The message is one line that names the problem and, where there is
 * one, the fix. The command line turns it into exit code 2 without a stack trace.
 */
public class BadInputException extends RuntimeException {

    /** @param message one line: what is wrong and, where there is one, the fix */
    public BadInputException(String message) {
        super(message);
    }

    /**
     * @param message one line: what is wrong and, where there is one, the fix
     * @param cause   the lower-level failure (a parse error, an I/O error), kept for debugging
     */
    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
