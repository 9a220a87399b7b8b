package dev.quill.cli;

import dev.quill.config.BadInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code quill launch}: starts the workers of a data-parallel run on this host, each a {@code quill} process
 * with torchrun's variables (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), its stderr prefixed by
 * its rank (Gloo's "connected" chatter left out), one GPU (CUDA_VISIBLE_DEVICES) and this host's cores split
 * among them. When one worker fails the others are ended and the
 * launch exits with the failure's code; on Ctrl-C every worker stops after the same step (rank 0 writes
 * last/) and the launch exits 130.
 */
@Command(name = "launch", mixinStandardHelpOptions = true,
        description = {"Start the workers of a data-parallel run: quill launch --nproc 2 -- train --config run.json.",
            "train.batch_size is per worker. Several hosts: run the same command on each with --nnodes, --node-rank,"
                    + " --master-addr and --master-port (docs/09-distributed.md)."})
final class LaunchCommand implements Callable<Integer> {

    /** How long workers get to stop by themselves (write last/, leave the group) before they are killed. */
    private static final long GRACE_SECONDS = 20;

    /** Gloo's line when a rank has connected to its peers: the two counts are the connected and the expected. */
    private static final Pattern GLOO_CONNECTED = Pattern.compile(
            "\\[Gloo] Rank \\d+ is connected to (\\d+) peer ranks\\. Expected number of connected peer ranks is : (\\d+)");

    @Spec
    CommandSpec spec;

    @Option(names = "--nproc", paramLabel = "N", description = "Workers on this host (default: ${DEFAULT-VALUE}).")
    int nproc = 1;

    @Option(names = "--nnodes", paramLabel = "M", description = "Hosts in the run (default: ${DEFAULT-VALUE}).")
    int nnodes = 1;

    @Option(names = "--node-rank", paramLabel = "K", description = "This host's index, 0 to M - 1; host 0 runs rank 0 (default: ${DEFAULT-VALUE}).")
    int nodeRank = 0;

    @Option(names = "--master-addr", paramLabel = "HOST", description = "Host 0's address (default: ${DEFAULT-VALUE}).")
    String masterAddr = "127.0.0.1";

    @Option(names = "--master-port", paramLabel = "PORT", description = "Rank 0's port (default: a free port on one host; required on several).")
    Integer masterPort;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "How long a worker waits for a silent peer before it fails (default: ${DEFAULT-VALUE}).")
    int timeout = 60;

    @Parameters(paramLabel = "COMMAND", arity = "1..*", description = "The quill command each worker runs, after --, e.g. train --config run.json.")
    List<String> command;

    @Override
    public Integer call() throws Exception {
        int world = checkWorld();
        int port = port();
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        if (world > 1) {
            // JavaCPP unpacks libtorch on first use: once here, so the workers find it unpacked (they would
            // otherwise wait for each other on the cache's lock, see NativeLibraries)
            dev.quill.train.NativeLibraries.loadTorch();
        }
        int cores = Runtime.getRuntime().availableProcessors();
        String threads = System.getenv("QUILL_THREADS") != null ? System.getenv("QUILL_THREADS") : "" + Math.max(1, cores / nproc);
        List<Process> workers = new ArrayList<>();
        List<Thread> pumps = new ArrayList<>();
        Thread onCtrlC = new Thread(() -> stopAll(workers, GRACE_SECONDS), "quill-launch-interrupt");
        Runtime.getRuntime().addShutdownHook(onCtrlC);
        try {
            for (int local = 0; local < nproc; local++) {
                int rank = nodeRank * nproc + local;
                ProcessBuilder pb = new ProcessBuilder(workerCommand(threads));
                Map<String, String> env = pb.environment();
                env.put("RANK", "" + rank);
                env.put("WORLD_SIZE", "" + world);
                env.put("LOCAL_RANK", "" + local);
                env.put("LOCAL_WORLD_SIZE", "" + nproc);
                env.put("MASTER_ADDR", masterAddr);
                env.put("MASTER_PORT", "" + port);
                env.put("QUILL_COLLECTIVE_TIMEOUT", "" + timeout);
                env.put("CUDA_VISIBLE_DEVICES", gpuFor(local, System.getenv("CUDA_VISIBLE_DEVICES")));
                pb.redirectInput(ProcessBuilder.Redirect.INHERIT);
                Process p = pb.start();
                workers.add(p);
                pumps.add(relay(p.getErrorStream(), "[rank " + rank + "] ", err));
                pumps.add(relay(p.getInputStream(), "", out));
            }
            err.println("quill launch: " + nproc + " worker" + (nproc == 1 ? "" : "s") + " of " + world + " on this host, "
                    + threads + " thread" + ("1".equals(threads) ? "" : "s") + " each, master " + masterAddr + ":" + port);
            int code = waitForAll(workers, err);
            for (Thread t : pumps) {
                t.join(2000);
            }
            return code;
        } finally {
            stopAll(workers, 0);
            try {
                Runtime.getRuntime().removeShutdownHook(onCtrlC);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running
            }
        }
    }

    private int checkWorld() {
        if (nproc < 1 || nnodes < 1) {
            throw new BadInputException("--nproc " + nproc + " --nnodes " + nnodes + " makes a world of " + Math.max(0, nproc) * Math.max(0, nnodes)
                    + " processes; both must be at least 1");
        }
        if (nodeRank < 0 || nodeRank >= nnodes) {
            throw new BadInputException("--node-rank " + nodeRank + " is out of range for --nnodes " + nnodes + " (0 to " + (nnodes - 1) + ")");
        }
        if (timeout < 1) {
            throw new BadInputException("--timeout " + timeout + " must be at least 1 second");
        }
        if (command == null || command.isEmpty()) {
            throw new BadInputException("no command to launch: quill launch --nproc N -- train --config FILE");
        }
        return nproc * nnodes;
    }

    /** The given port (checked free on a single host), or a free one picked here. */
    private int port() throws IOException {
        if (masterPort == null) {
            if (nnodes > 1) {
                throw new BadInputException("--master-port is required with --nnodes " + nnodes + ": every host must name the same port");
            }
            try (ServerSocket s = new ServerSocket(0)) {
                return s.getLocalPort();
            }
        }
        if (masterPort < 1 || masterPort > 65535) {
            throw new BadInputException("--master-port " + masterPort + " must be a TCP port, 1 to 65535");
        }
        if (nodeRank == 0) {                              // rank 0 listens here: find out now rather than in a worker
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(masterPort));
            } catch (IOException e) {
                throw new BadInputException("--master-port " + masterPort + " is in use on this host; choose another");
            }
        }
        return masterPort;
    }

    /** This JVM's java, options (with the thread count replaced) and class path, running quill COMMAND. */
    private List<String> workerCommand(String threads) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ClassArchive.forWorkers(ManagementFactory.getRuntimeMXBean().getInputArguments(), command.get(0))) {
            if (!a.startsWith("-Dquill.threads=")) {
                cmd.add(a);
            }
        }
        cmd.add("-Dquill.threads=" + threads);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(command);
        return cmd;
    }

    /**
     * The GPU a worker sees: the local rank's entry of the launcher's own {@code CUDA_VISIBLE_DEVICES} list when
     * it has one, else the local rank; a list shorter than the workers is passed on whole (NCCL then refuses
     * two ranks on one GPU, in the worker's error). One GPU per worker is what NCCL wants; CPU workers ignore it.
     */
    static String gpuFor(int local, String visible) {
        if (visible == null || visible.isBlank()) {
            return "" + local;
        }
        String[] ids = visible.split(",");
        return local < ids.length ? ids[local].trim() : visible;
    }

    /**
     * Copies a worker's output to ours, line by line, each line after {@code tag}, leaving out Gloo's
     * connection chatter ({@link #glooChatter}).
     */
    private static Thread relay(java.io.InputStream from, String tag, PrintWriter to) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(from, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (glooChatter(line)) {
                        continue;
                    }
                    synchronized (to) {
                        to.println(tag + line);
                        to.flush();
                    }
                }
            } catch (IOException ended) {
                // the worker is gone
            }
        }, "quill-launch-relay");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Whether a line is PyTorch's Gloo saying, on stdout, that a rank connected to all its peers
     * ("[Gloo] Rank 1 is connected to 1 peer ranks. Expected number of connected peer ranks is : 1"): one
     * line per worker that says nothing the launch's own line does not. When the two counts differ the line is
     * news and is kept, as is every other line.
     */
    static boolean glooChatter(String line) {
        Matcher m = GLOO_CONNECTED.matcher(line.strip());
        return m.matches() && m.group(1).equals(m.group(2));
    }

    /**
     * Waits until every worker has exited; when one fails, ends the others (after a grace period in which
     * they can notice and exit by themselves) and returns its code.
     */
    private static int waitForAll(List<Process> workers, PrintWriter err) throws InterruptedException {
        while (true) {
            boolean running = false;
            for (int rank = 0; rank < workers.size(); rank++) {
                Process p = workers.get(rank);
                if (p.isAlive()) {
                    running = true;
                } else if (p.exitValue() != 0) {
                    int code = p.exitValue();
                    synchronized (err) {
                        err.println("quill launch: a worker (local rank " + rank + ") exited with code " + code + "; stopping the others");
                    }
                    stopAll(workers, GRACE_SECONDS);
                    return code == QuillCommand.INTERRUPTED || code == QuillCommand.BAD_INPUT ? code : QuillCommand.FAILED;
                }
            }
            if (!running) {
                return QuillCommand.OK;
            }
            Thread.sleep(200);
        }
    }

    /** Waits up to {@code graceSeconds} for the workers to exit, asks the rest to stop, then kills what is left. */
    private static void stopAll(List<Process> workers, long graceSeconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds);
        for (Process p : workers) {
            try {
                p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.forEach(Process::destroy);                      // SIGTERM: a worker's Ctrl-C path writes last/
        for (Process p : workers) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
    }
}
