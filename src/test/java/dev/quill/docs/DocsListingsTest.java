package dev.quill.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles every fenced {@code ```java} block of {@code docs/*.md} and {@code README.md} against the test
 * classpath, so a renamed method cannot leave a chapter stale.
 *
 * <h2>The convention for listings</h2>
 * <ul>
 *   <li><b>A whole compilation unit</b>: a block that declares a top-level type (a line starting with
 *   {@code class}, {@code record}, {@code interface} or {@code enum}, optionally after {@code public},
 *   {@code final}, {@code abstract} or {@code sealed}) is compiled as it stands. Without a
 *   {@code package} line it is put into a package of its own, so two chapters may both declare
 *   {@code class Demo}. It writes its own imports.</li>
 *   <li><b>A block of statements</b> (anything else) is the body of a method
 *   {@code void run() throws Exception} in a class of its own, after the imports every chapter assumes:
 *   {@code dev.quill.{autograd,config,data,data.sft,model,train}.*}, {@code java.util.*}, {@code java.nio.file.*},
 *   and ND4J's {@code INDArray}, {@code Nd4j}, {@code DataType} and {@code Transforms}. Write the
 *   statements a reader would type into a {@code main}.</li>
 *   <li>Code that is not Java, or is pseudo-code, goes into a {@code ```text} (or other) block: every
 *   {@code ```java} block is compiled, there is no opt-out.</li>
 * </ul>
 * All blocks are compiled in one compiler task (a few seconds). A failure names the Markdown file, the
 * line of the offending code in that file, and the compiler's message.
 */
class DocsListingsTest {

    /** The imports a statement block may assume, one per line so line numbers stay easy to map. */
    static final List<String> SNIPPET_IMPORTS = List.of(
            "import dev.quill.autograd.*;",
            "import dev.quill.config.*;",
            "import dev.quill.data.*;",
            "import dev.quill.data.sft.*;",
            "import dev.quill.model.*;",
            "import dev.quill.train.*;",
            "import java.util.*;",
            "import java.nio.file.*;",
            "import org.nd4j.linalg.api.buffer.DataType;",
            "import org.nd4j.linalg.api.ndarray.INDArray;",
            "import org.nd4j.linalg.factory.Nd4j;",
            "import org.nd4j.linalg.ops.transforms.Transforms;");

    private static final Pattern TYPE_DECLARATION = Pattern.compile(
            "^(public\\s+|final\\s+|abstract\\s+|sealed\\s+)*(class|record|interface|enum)\\s+\\w+.*",
            Pattern.MULTILINE);
    private static final Pattern PACKAGE = Pattern.compile("^package\\s+[\\w.]+;", Pattern.MULTILINE);
    private static final Pattern PUBLIC_TYPE = Pattern.compile(
            "^public\\s+(final\\s+|abstract\\s+|sealed\\s+)*(class|record|interface|enum)\\s+(\\w+)", Pattern.MULTILINE);

    /** One ```java block: where it came from and its text. */
    record Listing(Path file, int firstLine, String code) {
    }

    /** A generated source: the listing, and how many generated lines precede the listing's first line. */
    record Source(Listing listing, int headerLines, JavaFileObject file) {
    }

    static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("pom.xml"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no pom.xml above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    /** Every ```java block of the file, with the 1-based line number of its first code line. */
    static List<Listing> listings(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Listing> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String fence = lines.get(i).strip();
            if (!fence.startsWith("```")) {
                continue;
            }
            boolean java = fence.substring(3).strip().toLowerCase(Locale.ROOT).equals("java");
            int start = i + 1;
            int end = start;
            while (end < lines.size() && !lines.get(end).strip().startsWith("```")) {
                end++;
            }
            if (end == lines.size()) {
                throw new IllegalStateException(file + ":" + (i + 1) + ": unclosed code fence");
            }
            if (java) {
                out.add(new Listing(file, start + 1, String.join("\n", lines.subList(start, end)) + "\n"));
            }
            i = end;
        }
        return out;
    }

    static List<Path> markdownFiles(Path root) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.exists(root.resolve("README.md"))) {
            files.add(root.resolve("README.md"));
        }
        try (Stream<Path> s = Files.list(root.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }

    static Source toSource(Listing l, int index) {
        String pkg = "quill.docs.listing" + index;
        String code = l.code();
        boolean wholeUnit = TYPE_DECLARATION.matcher(code).find();
        String text;
        int header;
        String className;
        if (wholeUnit) {
            if (PACKAGE.matcher(code).find()) {
                text = code;
                header = 0;
                var m = Pattern.compile("^package\\s+([\\w.]+);", Pattern.MULTILINE).matcher(code);
                m.find();
                pkg = m.group(1);
            } else {
                text = "package " + pkg + ";\n" + code;
                header = 1;
            }
            var pub = PUBLIC_TYPE.matcher(code);
            className = pub.find() ? pub.group(3) : "Listing";
        } else {
            StringBuilder sb = new StringBuilder("package " + pkg + ";\n");
            SNIPPET_IMPORTS.forEach(s -> sb.append(s).append('\n'));
            sb.append("class Snippet {\n    void run() throws Exception {\n");
            header = 2 + SNIPPET_IMPORTS.size() + 1;
            sb.append(code).append("    }\n}\n");
            text = sb.toString();
            className = "Snippet";
        }
        String path = pkg.replace('.', '/') + "/" + className + ".java";
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///" + path), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return text;
            }
        };
        return new Source(l, header, file);
    }

    @Test
    void everyJavaListingInTheDocsCompiles(@TempDir Path classes) throws IOException {
        Path root = repoRoot();
        List<Source> sources = new ArrayList<>();
        for (Path md : markdownFiles(root)) {
            for (Listing l : listings(md)) {
                sources.add(toSource(l, sources.size()));
            }
        }
        assertTrue(sources.size() > 0, "no ```java listings found under " + root.resolve("docs"));

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            List<String> options = List.of("-classpath", System.getProperty("java.class.path"),
                    "-d", classes.toString(), "--release", "17", "-proc:none", "-Xlint:none");
            boolean ok = javac.getTask(null, fm, diagnostics, options, null,
                    sources.stream().map(Source::file).toList()).call();
            StringBuilder report = new StringBuilder();
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() != Diagnostic.Kind.ERROR) {
                    continue;
                }
                Source s = sources.stream().filter(x -> x.file() == d.getSource()).findFirst().orElse(null);
                String where = s == null ? "?"
                        : root.relativize(s.listing().file()) + ":"
                        + (s.listing().firstLine() + (int) d.getLineNumber() - 1 - s.headerLines());
                report.append(where).append(": ").append(d.getMessage(Locale.ROOT)).append('\n');
            }
            if (!ok) {
                fail("Java listings in the docs do not compile (" + sources.size() + " listings):\n" + report);
            }
        }
    }
}
