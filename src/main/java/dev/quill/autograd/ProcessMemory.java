package dev.quill.autograd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * This process's address space (VmSize) and resident memory (VmRSS), in KB, as Linux reports them in
 * {@code /proc/self/status}; -1 each where they cannot be read (other systems). The trainer's {@code rss_mb}
 * and the heap trim of a big backward pass ({@link HeapTrim}) read it.
 *
 * @param virtualKb  VmSize in KB, or -1
 * @param residentKb VmRSS in KB, or -1
 */
public record ProcessMemory(long virtualKb, long residentKb) {

    static final ProcessMemory UNKNOWN = new ProcessMemory(-1, -1);
    private static final Path STATUS = Path.of("/proc/self/status");
    private static volatile boolean unreadable;

    /** {@return the sizes now; after one failed read (no /proc) it does not ask again} */
    public static ProcessMemory read() {
        if (unreadable) {
            return UNKNOWN;
        }
        try {
            return parse(Files.readAllLines(STATUS, StandardCharsets.ISO_8859_1));
        } catch (IOException | RuntimeException e) {
            unreadable = true;
            return UNKNOWN;
        }
    }

    /** {@return resident memory in MB (KB / 1024), or -1 where unknown} */
    public long residentMb() {
        return residentKb < 0 ? -1 : residentKb / 1024;
    }

    /** {@return true when both sizes were read} */
    boolean known() {
        return virtualKb >= 0 && residentKb >= 0;
    }

    /** {@return VmSize and VmRSS read from the lines of a /proc/PID/status file, -1 each where absent} */
    static ProcessMemory parse(List<String> lines) {
        long virtualKb = -1, residentKb = -1;
        for (String l : lines) {
            if (l.startsWith("VmSize:")) {
                virtualKb = kb(l);
            } else if (l.startsWith("VmRSS:")) {
                residentKb = kb(l);
            }
        }
        return new ProcessMemory(virtualKb, residentKb);
    }

    private static long kb(String line) {      // "VmRSS:\t  5204204 kB": the digits after the colon
        long kb = 0;
        boolean any = false;
        for (int i = line.indexOf(':') + 1; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (ch >= '0' && ch <= '9') {
                kb = kb * 10 + (ch - '0');
                any = true;
            } else if (any) {
                break;
            }
        }
        return any ? kb : -1;
    }
}
