import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.LogManager;

import org.rapaio.jupyter.kernel.MainApp;
import org.rapaio.jupyter.kernel.channels.Channels;
import org.rapaio.jupyter.kernel.channels.LoopThread;
import org.rapaio.jupyter.kernel.core.ConnectionProperties;
import org.rapaio.jupyter.kernel.core.Transform;

/**
 * Starts rapaio-jupyter-kernel 3.0.1 as its {@code MainApp.main} does, with the patched {@link LoopThread}
 * (see there for the two start-up races it removes): connect every channel, then let the loops run.
 *
 * <p>If a channel's thread dies anyway (an exception escaping a loop), the kernel exits at once, so the
 * client reports a dead kernel instead of waiting out its timeout; the stack trace goes to the kernel's
 * stderr, which notebooks/run.sh keeps in target/notebooks/NAME.log.
 *
 * <p>Usage (the kernelspec's argv): {@code java -cp LAUNCHER_CLASSES:KERNEL_JAR QuillKernel CONNECTION_FILE}.
 */
public final class QuillKernel {
    public static void main(String[] args) throws Exception {
        if (args.length != 1) throw new IllegalArgumentException("usage: QuillKernel CONNECTION_FILE");
        PrintStream stderr = System.err;   // the kernel swaps System.err while it runs a cell
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            stderr.println("Exception in thread \"" + t.getName() + "\":");
            e.printStackTrace(stderr);
            if (t instanceof LoopThread) {
                stderr.println("a kernel channel thread died; exiting so that the client sees a dead kernel");
                Runtime.getRuntime().halt(3);
            }
        });

        // MainApp.runKernel, step by step.
        LogManager.getLogManager().readConfiguration(
                MainApp.class.getClassLoader().getResourceAsStream("logging.properties"));
        var props = Transform.fromJson(Files.readString(Path.of(args[0])), ConnectionProperties.class);
        var kernel = MainApp.kernel;        // MainApp's static initializer starts JShell (the slow part)
        var channels = new Channels(props);
        channels.connect(kernel);           // binds the sockets, then creates the message handlers
        LoopThread.startLoops();            // only now may the shell read a request
        channels.joinUntilClose();
    }
}
