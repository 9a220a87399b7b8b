package dev.quill.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.quill.config.BadInputException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Damages a valid file in one of many ways (bit flips, truncation, NUL bytes, invalid UTF-8, duplicated or
 * missing regions, numbers made huge or negative, JSON nested ten thousand deep, a binary length prefix
 * claiming gigabytes), hands it to a reader, and checks that the reader either accepts it or refuses it with
 * a {@link BadInputException} of one line naming the file and no Java exception name: never another
 * exception, an error (out of memory, stack overflow), a hang, or memory out of proportion to the file.
 */
final class FileFuzzer {

    /** A reader under test: reads {@code file} (in {@code dir}) and throws on bad input. */
    @FunctionalInterface
    interface Reader {
        void read(Path file) throws Exception;
    }

    static final String[] NUMBERS = {"-1", "0", "-9223372036854775808", "9223372036854775808", "1e309", "-1e309",
            "4294967296", "2147483648", "99999999999999999999999999", "0.5", "NaN", "1e-400", "65536", "-0"};
    static final int KINDS = 12;

    private static final ExecutorService WORKER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(null, r, "fuzz", 4 << 20);                  // a 4 MB stack, like a main thread's
        t.setDaemon(true);
        return t;
    });
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private FileFuzzer() {
    }

    /** {@return {@code valid} damaged in the way {@code kind} (0 .. KINDS-1) picks, driven by {@code r}} */
    static byte[] mutate(byte[] valid, int kind, Random r) {
        int n = valid.length;
        int at = n == 0 ? 0 : r.nextInt(n + 1);
        return switch (kind) {
            case 0 -> {                                                 // flip 1..8 bits
                byte[] b = valid.clone();
                for (int i = 1 + r.nextInt(8); i > 0 && n > 0; i--) {
                    b[r.nextInt(n)] ^= (byte) (1 << r.nextInt(8));
                }
                yield b;
            }
            case 1 -> Arrays.copyOf(valid, at);                         // truncated anywhere
            case 2 -> insert(valid, at, new byte[1 + r.nextInt(4)]);    // NUL bytes
            case 3 -> insert(valid, at, new byte[] {(byte) 0xC3, 0x28, (byte) 0xFF, (byte) 0xED, (byte) 0xA0, (byte) 0x80});
            case 4 -> {                                                 // a region duplicated (keys twice)
                int from = n == 0 ? 0 : r.nextInt(n);
                int len = Math.min(n - from, 1 + r.nextInt(64));
                yield insert(valid, at, Arrays.copyOfRange(valid, from, from + len));
            }
            case 5 -> {                                                 // a region missing
                int len = Math.min(n - Math.min(at, n), 1 + r.nextInt(64));
                byte[] b = new byte[n - len];
                System.arraycopy(valid, 0, b, 0, at);
                System.arraycopy(valid, at + len, b, at, n - at - len);
                yield b;
            }
            case 6, 7 -> replaceNumber(valid, r);                       // a number made huge, negative, fractional
            case 8 -> insert(valid, at, ("[".repeat(10_000) + "{\"a\":".repeat(r.nextInt(2))).getBytes(StandardCharsets.US_ASCII));
            case 9 -> {                                                 // a binary length prefix claiming gigabytes, or off by a little
                byte[] b = valid.clone();
                long[] claims = {1L << 32, (1L << 40) + 7, Long.MAX_VALUE, -1, n, n - 8, n + 8, 0, 2};
                long v = claims[r.nextInt(claims.length)];
                for (int i = 0; i < 8 && i < n; i++) {
                    b[i] = (byte) (v >>> (8 * i));
                }
                yield b;
            }
            case 10 -> {                                                // a quoted string replaced by another type
                String s = new String(valid, StandardCharsets.ISO_8859_1);
                String[] values = {"null", "true", "[]", "{}", "12", "\"\"", "[1,2]", "-5"};
                int q = s.indexOf('"', n == 0 ? 0 : r.nextInt(n));
                int end = q < 0 ? -1 : s.indexOf('"', q + 1);
                if (end < 0) {
                    yield valid;
                }
                yield (s.substring(0, q) + values[r.nextInt(values.length)] + s.substring(end + 1)).getBytes(StandardCharsets.ISO_8859_1);
            }
            default -> {                                                // random bytes over a region
                byte[] b = valid.clone();
                for (int i = 0, len = 1 + r.nextInt(16); i < len && n > 0; i++) {
                    b[Math.min(n - 1, at + i)] = (byte) r.nextInt(256);
                }
                yield b;
            }
        };
    }

    private static byte[] insert(byte[] b, int at, byte[] extra) {
        byte[] out = new byte[b.length + extra.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(extra, 0, out, at, extra.length);
        System.arraycopy(b, at, out, at + extra.length, b.length - at);
        return out;
    }

    private static byte[] replaceNumber(byte[] valid, Random r) {
        String s = new String(valid, StandardCharsets.ISO_8859_1);
        int start = -1;
        for (int tries = 0; tries < 8 && start < 0; tries++) {
            int p = s.isEmpty() ? 0 : r.nextInt(s.length());
            while (p < s.length() && !Character.isDigit(s.charAt(p))) {
                p++;
            }
            start = p < s.length() ? p : -1;
        }
        if (start < 0) {
            return valid;
        }
        while (start > 0 && (Character.isDigit(s.charAt(start - 1)) || s.charAt(start - 1) == '-')) {
            start--;
        }
        int end = start;
        while (end < s.length() && (Character.isDigit(s.charAt(end)) || "-.eE+".indexOf(s.charAt(end)) >= 0)) {
            end++;
        }
        return (s.substring(0, start) + NUMBERS[r.nextInt(NUMBERS.length)] + s.substring(end)).getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Writes {@code bytes} to {@code file} and reads it with {@code reader} on the fuzz thread, checking the
     * outcome as the class describes.
     *
     * @return true when the reader accepted the file
     */
    static boolean check(Path file, byte[] bytes, Reader reader, String what) throws Exception {
        Files.write(file, bytes);
        long budget = (64L << 20) + 256L * bytes.length;
        Future<Throwable> f = WORKER.submit(() -> {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            Throwable thrown = null;
            try {
                reader.read(file);
            } catch (Throwable t) {
                thrown = t;
            }
            long used = THREADS.getCurrentThreadAllocatedBytes() - before;
            return used > budget ? new AssertionError(what + ": allocated " + used + " bytes reading a file of " + bytes.length)
                    : thrown;
        });
        Throwable t;
        try {
            t = f.get(20, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new AssertionError(what + ": no answer within 20 s (a hang?)");
        }
        if (t == null) {
            return true;
        }
        if (!(t instanceof BadInputException)) {
            fail(what + ": " + t, t);
        }
        String m = t.getMessage();
        assertThat(m).as(what).doesNotContain("\n").doesNotContainPattern("[A-Z][A-Za-z]*(Exception|Error)\\b")
                .doesNotContain("java.").contains(file.getFileName().toString());
        return false;
    }
}
