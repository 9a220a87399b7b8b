#!/usr/bin/env bash
# Executes every notebook in notebooks/ headless with a Java kernel; exits non-zero if any cell fails.
#   notebooks/run.sh            (from anywhere; needs Java 17+, Maven, and apt-get for the Jupyter packages)
# What it does:
#   1. installs Debian's Jupyter/nbconvert packages if `jupyter nbconvert` is missing;
#   2. builds Quill (mvn package) if its jar or target/classpath.txt is missing;
#   3. fetches the kernel, io.github.padreati:rapaio-jupyter-kernel (a self-contained jar on Maven Central),
#      and compiles notebooks/kernel/java: a launcher and one patched kernel class that remove the kernel's
#      start-up races (see notebooks/kernel/java/org/rapaio/jupyter/kernel/channels/LoopThread.java);
#   4. writes a kernelspec "quill-java" under target/jupyter (nothing is installed in ~/.local) whose
#      RJK_CLASSPATH holds target/classes and every jar of target/classpath.txt, separated by ';';
#   5. copies ../shared/data/tinyshakespeare.txt to data/ when present (else Quill downloads it);
#   6. runs `jupyter nbconvert --to notebook --execute` on each notebook; outputs and logs go to target/notebooks/.
# A failing cell (an assertion that throws) makes nbconvert, and so this script, exit non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
KERNEL_VERSION=3.0.1
OUT="$ROOT/target/notebooks"
JUP="$ROOT/target/jupyter"

if ! /usr/bin/jupyter nbconvert --version >/dev/null 2>&1; then
  echo "installing Jupyter and nbconvert (Debian packages)" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -q >&2
  $SUDO apt-get install -y -q jupyter-nbconvert python3-nbconvert jupyter-client python3-ipykernel jupyter-core >&2
fi

if ! compgen -G "target/quill-*.jar" >/dev/null || [ ! -d target/classes ] || [ ! -f target/classpath.txt ]; then
  echo "building Quill (mvn package)" >&2
  mvn -B -q -DskipTests package >&2
fi

JAR="$JUP/rapaio-jupyter-kernel-$KERNEL_VERSION.jar"
if [ ! -f "$JAR" ]; then
  mkdir -p "$JUP"
  mvn -B -q dependency:copy -Dartifact=io.github.padreati:rapaio-jupyter-kernel:$KERNEL_VERSION -DoutputDirectory="$JUP" >&2
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
        --output-dir "$OUT" --output "$name" "$(basename "$nb")" >"$OUT/$name.log" 2>&1); then
    echo "PASS $nb ($(( $(date +%s) - start )) s)"
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
