#!/usr/bin/env bash
# Executes every notebook in notebooks/ headless with a Java kernel; exits non-zero if any cell fails.
#   notebooks/run.sh [--update]   execute each notebook and write it back into notebooks/ with its outputs
#                                 (printed text and plots as PNG images), for committing; a notebook that
#                                 fails is left as it was
#   notebooks/run.sh --check      execute each notebook into target/notebooks/ only and fail on any error;
#                                 the committed notebooks are not touched (what CI runs)
# Needs Java 17+ and Maven; installs, when missing and after saying so on stderr, Debian's Jupyter
# packages (apt-get, so root or sudo) and the kernel jar (Maven). Runs without a terminal or stdin.
# What it does:
#   1. installs Debian's Jupyter/nbconvert packages if `jupyter nbconvert` is missing;
#   2. builds Quill (mvn package) if its jar or target/classpath.txt is missing;
#   3. fetches the kernel, io.github.padreati:rapaio-jupyter-kernel (a self-contained jar on Maven Central),
#      and compiles notebooks/kernel/java: a launcher and one patched kernel class that remove the kernel's
#      start-up races (see notebooks/kernel/java/org/rapaio/jupyter/kernel/channels/LoopThread.java);
#   4. writes a kernelspec "quill-java" under target/jupyter (nothing is installed in ~/.local) whose
#      RJK_CLASSPATH holds target/classes and every jar of target/classpath.txt, separated by ';';
#   5. copies ../shared/data/tinyshakespeare.txt to data/ when present (else Quill downloads it);
#   6. runs `jupyter nbconvert --to notebook --execute` on each notebook into target/notebooks/ (with its log),
#      then drops what changes on every run without changing what the reader sees (cell timestamps, the
#      JVM's version, how the kernel split its printed text into chunks), so a rerun leaves a small diff;
#   7. with --update, copies each executed notebook back over notebooks/NAME.ipynb.
# A failing cell (an assertion that throws) makes nbconvert, and so this script, exit non-zero.
set -euo pipefail
MODE=update
case "${1:-}" in
  ""|--update) ;;
  --check) MODE=check ;;
  *) echo "usage: notebooks/run.sh [--update | --check]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
ROOT=$(pwd)
KERNEL_VERSION=3.0.1
KERNEL_ARTIFACT="io.github.padreati:rapaio-jupyter-kernel:$KERNEL_VERSION"
DEBIAN_PACKAGES="jupyter-nbconvert python3-nbconvert jupyter-client python3-ipykernel jupyter-core"
OUT="$ROOT/target/notebooks"
JUP="$ROOT/target/jupyter"
JAR="$JUP/rapaio-jupyter-kernel-$KERNEL_VERSION.jar"

# Say what will be installed, and why, before installing anything.
if ! /usr/bin/jupyter nbconvert --version >/dev/null 2>&1; then
  NEED_APT=1
  echo "notebooks/run.sh: \`jupyter nbconvert\` is missing; it runs the notebooks headless. Installing with apt-get:" >&2
  echo "  Debian packages: $DEBIAN_PACKAGES" >&2
  echo "  and the Python libraries they depend on (no recommended extras)" >&2
else
  NEED_APT=0
fi
if [ ! -f "$JAR" ]; then
  echo "notebooks/run.sh: the Java kernel that executes the cells, fetched with Maven into target/jupyter/:" >&2
  echo "  Maven artifact: $KERNEL_ARTIFACT" >&2
fi

if [ "$NEED_APT" = 1 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q >&2 </dev/null
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -q --no-install-recommends $DEBIAN_PACKAGES >&2 </dev/null
fi

if ! compgen -G "target/quill-*.jar" >/dev/null || [ ! -d target/classes ] || [ ! -f target/classpath.txt ]; then
  echo "building Quill (mvn package)" >&2
  mvn -B -q -DskipTests package >&2
fi

if [ ! -f "$JAR" ]; then
  mkdir -p "$JUP"
  mvn -B -q dependency:copy -Dartifact="$KERNEL_ARTIFACT" -DoutputDirectory="$JUP" >&2
fi
# The launcher and the patched class, compiled against the kernel jar (about 2 s).
LAUNCHER="$JUP/launcher"
rm -rf "$LAUNCHER"
javac -nowarn -d "$LAUNCHER" -cp "$JAR" $(find notebooks/kernel/java -name '*.java')

mkdir -p data "$OUT" "$JUP/kernels/quill-java"
if [ ! -f data/tinyshakespeare.txt ] && [ -f ../shared/data/tinyshakespeare.txt ]; then
  cp ../shared/data/tinyshakespeare.txt data/
fi

# The kernel's classpath: ';'-separated (rapaio's RJK_CLASSPATH syntax), Quill's classes first.
CP="$ROOT/target/classes;$(tr ':' ';' < target/classpath.txt)"
/usr/bin/python3 - "$LAUNCHER:$JAR" "$CP" "$JUP/kernels/quill-java/kernel.json" <<'PY'
import json, sys
jvm_cp, cp, path = sys.argv[1:]
json.dump({
    # the launcher's directory first, so its LoopThread replaces the jar's
    "argv": ["java", "-cp", jvm_cp, "QuillKernel", "{connection_file}"],
    "display_name": "Java (Quill)",
    "language": "java",
    "interrupt_mode": "message",
    "env": {
        "RJK_CLASSPATH": cp, "RJK_COMPILER_OPTIONS": "", "RJK_INIT_SCRIPT": "", "RJK_TIMEOUT_MILLIS": "-1",
        # the thread settings the launcher and the tests use (see docs/troubleshooting.md)
        "SD_MAX_THREADS": "1", "SD_MASTER_THREADS": "1", "OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE",
    },
}, open(path, "w"), indent=1)
PY

# Rewrites an executed notebook without what differs from run to run but not to the reader: each cell's
# execution timestamps, the JVM version in language_info, and the split of one cell's printed text into
# several stream outputs (merged per stream). Images and text stay; written as nbformat writes (indent 1,
# sorted keys).
tidy() {
  /usr/bin/python3 - "$1" <<'PY'
import json, sys
path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    nb = json.load(f)
nb["metadata"].get("language_info", {}).pop("version", None)
for cell in nb["cells"]:
    cell.get("metadata", {}).pop("execution", None)
    merged = []
    for o in cell.get("outputs", []):
        if o["output_type"] == "stream" and merged and merged[-1]["output_type"] == "stream" \
                and merged[-1]["name"] == o["name"]:
            text = "".join(merged[-1]["text"]) + "".join(o["text"])
            merged[-1]["text"] = text.splitlines(keepends=True)
        else:
            merged.append(o)
    if "outputs" in cell:
        cell["outputs"] = merged
with open(path, "w", encoding="utf-8") as f:
    json.dump(nb, f, indent=1, sort_keys=True, ensure_ascii=False)
    f.write("\n")
PY
}

export JUPYTER_PATH="$JUP"
status=0
for nb in notebooks/*.ipynb; do
  name=$(basename "$nb" .ipynb)
  start=$(date +%s)
  # startup_timeout: JShell with Quill's class path starts in 3-5 s here, 20 s on a loaded machine.
  if (cd notebooks && /usr/bin/jupyter nbconvert --to notebook --execute \
        --ExecutePreprocessor.kernel_name=quill-java \
        --ExecutePreprocessor.startup_timeout=180 \
        --ExecutePreprocessor.timeout=600 \
        --output-dir "$OUT" --output "$name" "$(basename "$nb")" >"$OUT/$name.log" 2>&1 </dev/null); then
    tidy "$OUT/$name.ipynb"
    if [ "$MODE" = update ]; then
      cp "$OUT/$name.ipynb" "$nb"
      echo "PASS $nb ($(( $(date +%s) - start )) s, written back with its outputs)"
    else
      echo "PASS $nb ($(( $(date +%s) - start )) s)"
    fi
  else
    echo "FAIL $nb ($(( $(date +%s) - start )) s); the error (whole log: target/notebooks/$name.log):"
    if grep -q '^nbclient.exceptions.CellExecutionError' "$OUT/$name.log"; then
      sed -n '/^nbclient.exceptions.CellExecutionError/,$p' "$OUT/$name.log" | head -40   # the cell and its exception
    else
      grep -v '^\[20\|^Parsing classpath\|^Add .* to classpath' "$OUT/$name.log" | tail -25
    fi
    status=1
  fi
done
exit $status
