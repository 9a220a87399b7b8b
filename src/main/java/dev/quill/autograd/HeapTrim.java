package dev.quill.autograd;

import java.util.Locale;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;

/**
 * Decides when a big backward pass hands the C allocator's free pages back to the system ({@code malloc_trim}).
 *
 * <p>A big pass frees its arrays as it goes ({@link GradientBuffers}), and the C allocator keeps the freed
 * blocks. Whether the next pass uses them again depends on the model. Where it does not (6x384 at 64
 * sequences), every pass takes new memory (1.4 GB more address space a pass) and leaves the old blocks free
 * but resident: with no trim, resident memory rose ~1,090 MB a pass, to a peak of 9,088 MB after four passes,
 * against 5,894 MB trimming after every pass. Where it does (GPT-2 124M at one sequence), handing the blocks
 * back only turns them into fresh pages that the next pass faults in again, ~15 us a page: ~110K faults
 * (~430 MB) and 1-1.5 s of a 6-7 s step. So the rule is
 * <pre>
 *   at the end of a big pass:  trim  if, since the end of the last big pass, the process's address space
 *                                    (VmSize) or its resident memory (VmRSS) grew by more than 1/16 of
 *                                    its resident memory
 * </pre>
 * A grown address space is the allocator taking new memory instead of reusing what was freed; grown resident
 * memory is the same inside space reserved earlier. The first pass always trims. Where the sizes cannot be
 * read ({@link ProcessMemory}: no {@code /proc/self/status}, as on macOS or Windows), every
 * pass trims. Concurrent passes on several threads share one record of the last pass.
 *
 * <p>{@code -Dquill.backward.trim=always} trims after every big pass, {@code off} never (for measuring);
 * {@code grown} is the rule above and the default.
 */
final class HeapTrim {

    /** {@code -Dquill.backward.trim}: when a big pass trims. */
    enum Mode {
        GROWN, ALWAYS, OFF;

        /**
         * @param value the property's value, null for the default
         * @throws IllegalArgumentException naming the key, the value and what is allowed
         */
        static Mode parse(String value) {
            if (value == null) {
                return GROWN;
            }
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "quill.backward.trim: '" + value + "' is not one of grown, always, off");
            }
        }
    }

    private static final HeapTrim PROCESS = new HeapTrim(ProcessMemory::read, Pointer::trimMemory);

    private final Supplier<ProcessMemory> sizes;
    private final Runnable trim;
    private ProcessMemory last = ProcessMemory.UNKNOWN;   // at the end of the last big pass, before its trim

    HeapTrim(Supplier<ProcessMemory> sizes, Runnable trim) {
        this.sizes = sizes;
        this.trim = trim;
    }

    /** At the end of a big pass that freed memory: trims the process's heap when the rule above says so. */
    static void afterBigPass() {
        PROCESS.afterPass(Mode.parse(System.getProperty("quill.backward.trim")));
    }

    /**
     * Applies the rule for one pass.
     *
     * @param mode when to trim
     * @return whether the heap was trimmed
     */
    synchronized boolean afterPass(Mode mode) {
        if (mode == Mode.OFF) {
            return false;
        }
        ProcessMemory now = sizes.get();
        boolean grew = !now.known() || !last.known()
                || now.virtualKb() - last.virtualKb() > now.residentKb() / 16
                || now.residentKb() - last.residentKb() > now.residentKb() / 16;
        last = now;
        if (grew || mode == Mode.ALWAYS) {
            trim.run();
            return true;
        }
        return false;
    }
}
