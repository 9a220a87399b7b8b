package dev.quill.data;

import dev.quill.config.BadInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Consumer;

/**
 * Reads a text file of any size as a sequence of pieces of roughly {@code pieceChars} characters, so
 * that a corpus bigger than the heap can be tokenized piece by piece.
 *
 * <p>Two boundaries need care. UTF-8: bytes are decoded by a streaming strict decoder, which carries a
 * character split across two reads over to the next read (and reports malformed input with its byte
 * offset in the file). Tokens: a piece ends only where a letter or digit is followed by a space or a
 * newline. The pre-split ({@link PreTokenizer}) always puts a chunk boundary there and looks only
 * forward, so encoding the pieces one by one gives exactly the ids of encoding the whole text; NFC
 * normalisation cannot cross such a point either. Text with no such point for
 * {@value #HARD_LIMIT_FACTOR} x {@code pieceChars} characters is cut anyway at a code point boundary,
 * where BPE may then differ from whole-text encoding (it still decodes to the same text).
 * Special tokens that contain a space or newline next to a letter are not supported across pieces.
 */
public final class TextStream {

    static final int HARD_LIMIT_FACTOR = 16;
    private static final int READ_BYTES = 1 << 20;

    private TextStream() {
    }

    /**
     * Calls {@code sink} with consecutive pieces of the file's text; their concatenation is the text.
     *
     * @param file       a UTF-8 text file
     * @param pieceChars the target piece length, in chars; pieces end at a safe boundary near it
     * @param sink       receives each piece, in order
     * @throws BadInputException if the file is missing, empty or not valid UTF-8
     */
    public static void forEachPiece(Path file, int pieceChars, Consumer<String> sink) {
        if (pieceChars < 1) {
            throw new IllegalArgumentException("pieceChars must be positive: " + pieceChars);
        }
        CharsetDecoder decoder = Text.strictDecoder();
        ByteBuffer in = ByteBuffer.allocate(READ_BYTES);
        CharBuffer out = CharBuffer.allocate(READ_BYTES);
        var pending = new StringBuilder();
        long consumed = 0;   // bytes of the file before in's position 0
        boolean any = false;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            boolean eof = false;
            while (!eof) {
                eof = channel.read(in) < 0;
                in.flip();
                while (true) {
                    CoderResult result = decoder.decode(in, out, eof);
                    if (result.isError()) {
                        throw Text.malformed(file.toString(), consumed + in.position());
                    }
                    drain(out, pending);
                    if (!result.isOverflow()) {
                        break;
                    }
                }
                if (eof) {
                    decoder.flush(out);
                    drain(out, pending);
                }
                consumed += in.position();
                in.compact();
                int start = 0;
                while (pending.length() - start >= pieceChars) {
                    int cut = cutPoint(pending, start, pieceChars);
                    if (cut <= start) {
                        break;
                    }
                    sink.accept(pending.substring(start, cut));
                    start = cut;
                    any = true;
                }
                pending.delete(0, start);
            }
        } catch (NoSuchFileException e) {
            throw new BadInputException("no such file: " + file.toAbsolutePath() + "; check the path");
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
        if (pending.length() > 0) {
            sink.accept(pending.toString());
            any = true;
        }
        if (!any) {
            throw new BadInputException("the corpus " + file + " is empty: give it some text");
        }
    }

    private static void drain(CharBuffer out, StringBuilder pending) {
        out.flip();
        pending.append(out);
        out.clear();
    }

    /**
     * Where the piece starting at {@code start} should end: the last safe cut at most {@code pieceChars}
     * on, else the first safe cut after that (looking no further than the hard limit), else a forced cut
     * at {@code pieceChars} once the hard limit is reached, else {@code start} (no cut yet: read more).
     * The work is proportional to the piece, never to everything pending.
     */
    static int cutPoint(CharSequence s, int start, int pieceChars) {
        int n = s.length();
        int target = start + pieceChars;
        for (int p = Math.min(target, n - 1); p > start; p--) {
            if (isSafeCut(s, p)) {
                return p;
            }
        }
        long limit = Math.min(n, start + (long) HARD_LIMIT_FACTOR * pieceChars);
        for (int p = target + 1; p < limit; p++) {
            if (isSafeCut(s, p)) {
                return p;
            }
        }
        if (n - start >= (long) HARD_LIMIT_FACTOR * pieceChars) {
            int p = target;
            if (Character.isLowSurrogate(s.charAt(p)) && Character.isHighSurrogate(s.charAt(p - 1))) {
                p++; // never split a surrogate pair
            }
            return p;
        }
        return start;
    }

    /** A letter or digit followed by a space or newline: always a chunk boundary, see the class comment. */
    private static boolean isSafeCut(CharSequence s, int p) {
        char c = s.charAt(p);
        return (c == ' ' || c == '\n') && Character.isLetterOrDigit(s.charAt(p - 1));
    }
}
