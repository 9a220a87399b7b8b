package org.rapaio.jupyter.kernel.channels;

import java.util.concurrent.CountDownLatch;

/**
 * Replaces the class of this name in rapaio-jupyter-kernel 3.0.1 (Apache-2.0), which runs each channel's
 * polling loop (shell, control, heartbeat). notebooks/run.sh puts it before the kernel's jar on the
 * class path, so the JVM loads this one. Same constructor and methods; two start-up races removed:
 *
 * <ol>
 *   <li>The original {@code start()} is {@code super.start(); running = true;} and {@code run()} is
 *       {@code while (running) ...}: a thread scheduled before its starter reaches the second line sees
 *       {@code running == false} and ends at once, silently. When that is the shell's thread the kernel
 *       never answers, and the client gives up ("Kernel didn't respond in 60 seconds"). Here
 *       {@code running} is set first.</li>
 *   <li>{@code Channels.connect} binds the sockets one by one, each bind starting its loop, and creates
 *       its message-handler map only after the last one. A {@code kernel_info_request} (the client sends it
 *       before the kernel has even bound) read in that window makes {@code Channels.getHandler} throw a
 *       NullPointerException that kills the shell's thread: the same hang. Here every loop waits until
 *       {@link #startLoops()}, which {@code QuillKernel} calls once {@code connect} has returned.</li>
 * </ol>
 */
public final class LoopThread extends Thread {
    private static final CountDownLatch CONNECTED = new CountDownLatch(1);

    /** Lets every loop run; called once the kernel's channels are connected and its handlers exist. */
    public static void startLoops() {
        CONNECTED.countDown();
    }

    private volatile boolean running = false;
    private final long sleep;
    private final Runnable loopBody;

    public LoopThread(String name, long sleep, Runnable loopBody) {
        super(name);
        this.sleep = sleep;
        this.loopBody = loopBody;
    }

    @Override
    public void run() {
        try {
            CONNECTED.await();
            while (running) {
                loopBody.run();
                Thread.sleep(sleep);
            }
        } catch (InterruptedException e) {
            running = false;
        }
    }

    @Override
    public synchronized void start() {
        running = true;     // before the thread exists, so its first check cannot miss it
        super.start();
    }

    public void shutdown() {
        running = false;
    }
}
