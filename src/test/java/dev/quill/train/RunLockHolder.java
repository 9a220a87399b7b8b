package dev.quill.train;

import java.nio.file.Path;

/** A process that holds the run lock of a directory until its input closes (or two minutes pass). */
public final class RunLockHolder {

    private RunLockHolder() {
    }

    /** @param args the directory to lock */
    public static void main(String[] args) throws Exception {
        try (RunLock lock = RunLock.acquire(Path.of(args[0]))) {
            System.out.println("locked");
            System.out.flush();
            long end = System.nanoTime() + 120_000_000_000L;
            while (System.in.read() >= 0 && System.nanoTime() < end) {
                // hold until the test closes our input or kills us
            }
        }
    }
}
