package dev.quill.autograd;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;

/**
 * Decides when a big backward pass hands the C allocator's free pages back to the system ({@code malloc_trim}).
 *
 * <p>A big pass frees its arrays as it goes ({@link GradientBuffers}), and the C allocator keeps the freed
 * blocks. Whether the next pass can use them again depends on the sizes. Where it cannot (6x384 at 64
 * sequences: arrays of 25-100 MB in the allocator's 64 MB heaps), every pass maps new memory and leaves the
 * old blocks free but resident: resident memory rose 1.1 GB a pass, 5.9 to 9.2 GB in four passes, unless
 * the free pages were handed back after each pass (6.0 GB). Where it can (GPT-2 124M at one sequence), the
 * next pass reuses the blocks as they are, and handing them back only turns them into fresh pages that the
 * next pass faults in again, at ~15 us a page: ~130K faults, 1-1.5 s of a 6-7 s step. So the rule is
 * <pre>
 *   after a big pass:  trim  if the process's address space (VmSize) grew since the last big pass ended
 *                            by more than 1/16 of its resident memory (VmRSS)
 * </pre>
 * A grown address space is the allocator taking new memory instead of reusing what was freed. The first
 * pass always trims. Where the sizes cannot be read (no {@code /proc/self/status}), every pass trims.
 *
 * <p>{@code -Dquill.backward.trim=always} trims after every big pass, {@code off} never (for measuring).
 */
final class HeapTrim {

    /** The process's address space and resident memory in KB, each -1 where unknown. */
    record Sizes(long virtualKb, long residentKb) {
    }

    private static final HeapTrim PROCESS = new HeapTrim(HeapTrim::processSizes, Pointer::trimMemory);

    private final Supplier<Sizes> sizes;
    private final Runnable trim;
    private long lastVirtualKb = -1;   // at the end of the last big pass

    HeapTrim(Supplier<Sizes> sizes, Runnable trim) {
        this.sizes = sizes;
        this.trim = trim;
    }

    /** After a big pass that freed memory: trims the process's heap when the rule above says so. */
    static void afterBigPass() {
        PROCESS.afterPass(System.getProperty("quill.backward.trim", "grown"));
    }

    /**
     * Applies the rule for one pass.
     *
     * @param mode {@code grown} (the rule), {@code always} or {@code off}
     * @return whether the heap was trimmed
     */
    synchronized boolean afterPass(String mode) {
        if ("off".equals(mode)) {
            return false;
        }
        Sizes now = sizes.get();
        boolean unknown = now.virtualKb() < 0 || now.residentKb() < 0 || lastVirtualKb < 0;
        boolean grew = unknown || now.virtualKb() - lastVirtualKb > now.residentKb() / 16;
        lastVirtualKb = now.virtualKb();
        if (grew || "always".equals(mode)) {
            trim.run();
            return true;
        }
        return false;
    }

    /** {@return VmSize and VmRSS from /proc/self/status (Linux), -1 each where they cannot be read} */
    static Sizes processSizes() {
        long virtualKb = -1, residentKb = -1;
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("VmSize:")) {
                    virtualKb = Long.parseLong(l.replaceAll("[^0-9]", ""));
                } else if (l.startsWith("VmRSS:")) {
                    residentKb = Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            return new Sizes(-1, -1);
        }
        return new Sizes(virtualKb, residentKb);
    }
}
