package dev.quill.config;

/**
 * Input that Quill cannot use: a malformed config, an unknown key, a missing or corrupt file, text
 * outside a tokenizer's vocabulary. The message is one line that names the problem and, where there is
 * one, the fix. The command line turns it into exit code 2 without a stack trace.
 */
public class BadInputException extends RuntimeException {

    public BadInputException(String message) {
        super(message);
    }

    public BadInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
