package dev.quill.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where the time of a training run went, from a JFR recording's method samples (Java and native, both
 * taken every 10 ms with bench/quill-profile.jfc), counted on the {@code main} thread only:
 * <ul>
 *   <li>by phase: the outermost Quill step method on the stack (forward, backward, clip, AdamW, ...);</li>
 *   <li>by Quill op: the innermost {@code dev.quill} (non-bench) frame, as class.method and as
 *       class.method:line, so a backward's time is charged to the line that makes the ND4J call;</li>
 *   <li>by leaf: the top frame (the native entry point or the Java method actually running).</li>
 * </ul>
 * <pre>
 *   java -XX:StartFlightRecording=filename=/tmp/step.jfr,settings=bench/quill-profile.jfc \
 *        -cp target/benchmarks.jar dev.quill.bench.TrainThroughput --config baby --steps 600 --warmup 30
 *   java -cp target/benchmarks.jar dev.quill.bench.JfrSummary /tmp/step.jfr [rows]
 * </pre>
 */
public final class JfrSummary {

    public static void main(String[] args) throws IOException {
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        Map<String, Integer> phase = new HashMap<>(), op = new HashMap<>(), site = new HashMap<>(), leaf = new HashMap<>();
        int total = 0, nativeSamples = 0;
        try (RecordingFile f = new RecordingFile(Path.of(args[0]))) {
            while (f.hasMoreEvents()) {
                RecordedEvent e = f.readEvent();
                String type = e.getEventType().getName();
                boolean isNative = type.equals("jdk.NativeMethodSample");
                if (!isNative && !type.equals("jdk.ExecutionSample")) {
                    continue;
                }
                var thread = e.getThread(isNative ? "sampledThread" : "sampledThread");
                if (thread == null || !"main".equals(thread.getJavaName()) || e.getStackTrace() == null) {
                    continue;
                }
                List<RecordedFrame> frames = e.getStackTrace().getFrames();
                if (frames.isEmpty()) {
                    continue;
                }
                total++;
                if (isNative) {
                    nativeSamples++;
                }
                RecordedFrame top = frames.get(0);
                leaf.merge((isNative ? "[native] " : "") + name(top), 1, Integer::sum);
                String innermost = null, innermostSite = null;
                for (RecordedFrame fr : frames) {
                    String cls = fr.getMethod().getType().getName();
                    if (cls.startsWith("dev.quill.") && !cls.startsWith("dev.quill.bench.")) {
                        innermost = name(fr);
                        innermostSite = innermost + ":" + fr.getLineNumber();
                        break;
                    }
                }
                op.merge(innermost == null ? "(outside Quill: " + name(top) + ")" : innermost, 1, Integer::sum);
                site.merge(innermostSite == null ? "(outside Quill)" : innermostSite, 1, Integer::sum);
                phase.merge(phaseOf(frames), 1, Integer::sum);
            }
        }
        System.out.printf(Locale.ROOT, "%d samples on main (%d in native code, %.0f%%), 10 ms apart%n", total, nativeSamples,
                100.0 * nativeSamples / total);
        print("phase (outermost step method on the stack)", phase, total, rows);
        print("Quill method (innermost dev.quill frame)", op, total, rows);
        print("Quill call site (innermost dev.quill frame:line)", site, total, rows);
        print("leaf frame (what the CPU was running)", leaf, total, rows);
    }

    private static String name(RecordedFrame f) {
        String cls = f.getMethod().getType().getName();
        return cls.substring(cls.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
    }

    /** The step phase: the frame nearest the step loop decides (outermost first). */
    private static String phaseOf(List<RecordedFrame> frames) {
        for (int i = frames.size() - 1; i >= 0; i--) {
            String n = name(frames.get(i));
            switch (n) {
                case "RandomWindowSampler.next": return "batch sampling";
                case "Gpt.loss": case "Gpt.forward": return "forward (incl. loss)";
                case "Tensor.item": return "loss.item()";
                case "Tensor.backward": return "backward";
                case "GradClip.clip": return "grad clip";
                case "AdamW.step": return "AdamW";
                case "Module.zeroGrad": return "zeroGrad";
                case "MemoryScope.close": case "MemoryScope.open": return "scope open/close";
                default: break;
            }
        }
        return "other (" + name(frames.get(0)) + ")";
    }

    private static void print(String title, Map<String, Integer> counts, int total, int rows) {
        System.out.printf("%n== %s%n", title);
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(rows)
                .forEach(en -> System.out.printf(Locale.ROOT, "%6.1f%%  %6d  %s%n", 100.0 * en.getValue() / total,
                        en.getValue(), en.getKey()));
    }
}
