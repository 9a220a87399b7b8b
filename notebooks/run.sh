#!/usr/bin/env bash
# Executes every notebook in notebooks/ headless with a Java kernel, failing if any cell fails.
#   notebooks/run.sh            (from anywhere; needs Java 17+, Maven, and apt-get for the Jupyter packages)
# What it does:
#   1. installs Debian's Jupyter/nbconvert packages if `jupyter nbconvert` is missing;
#   2. builds Quill (mvn package) if target/classes or target/classpath.txt is missing;
#   3. fetches the kernel, io.github.padreati:rapaio-jupyter-kernel (a self-contained jar on Maven Central);
#   4. writes a kernelspec "quill-java" under target/jupyter (nothing is installed in ~/.local) whose
#      RJK_CLASSPATH holds target/classes and every jar of target/classpath.txt, separated by ';';
#   5. copies ../shared/data/tinyshakespeare.txt to data/ when present (else Quill downloads it);
#   6. runs `jupyter nbconvert --to notebook --execute` on each notebook; outputs go to target/notebooks/.
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

if [ ! -d target/classes ] || [ ! -f target/classpath.txt ]; then
  echo "building Quill (mvn package)" >&2
  mvn -B -q -DskipTests package >&2
fi

JAR="$JUP/rapaio-jupyter-kernel-$KERNEL_VERSION.jar"
if [ ! -f "$JAR" ]; then
  mkdir -p "$JUP"
  mvn -B -q dependency:copy -Dartifact=io.github.padreati:rapaio-jupyter-kernel:$KERNEL_VERSION -DoutputDirectory="$JUP" >&2
fi

mkdir -p data "$OUT" "$JUP/kernels/quill-java"
if [ ! -f data/tinyshakespeare.txt ] && [ -f ../shared/data/tinyshakespeare.txt ]; then
  cp ../shared/data/tinyshakespeare.txt data/
fi

# The kernel's classpath: ';'-separated (rapaio's RJK_CLASSPATH syntax), Quill's classes first.
CP="$ROOT/target/classes;$(tr ':' ';' < target/classpath.txt)"
/usr/bin/python3 - "$JAR" "$CP" "$JUP/kernels/quill-java/kernel.json" <<'PY'
import json, sys
jar, cp, path = sys.argv[1:]
json.dump({
    "argv": ["java", "-jar", jar, "{connection_file}"],
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
export PYTHONPATH="$ROOT/notebooks/kernel${PYTHONPATH:+:$PYTHONPATH}"
status=0
for nb in notebooks/*.ipynb; do
  name=$(basename "$nb" .ipynb)
  start=$(date +%s)
  run_one() {
    (cd notebooks && /usr/bin/jupyter nbconvert --to notebook --execute \
        --ExecutePreprocessor.kernel_name=quill-java \
        --ExecutePreprocessor.kernel_manager_class=quill_kernel_manager.WarmStartKernelManager \
        --ExecutePreprocessor.timeout=600 \
        --output-dir "$OUT" --output "$name" "$(basename "$nb")" >"$OUT/$name.log" 2>&1)
  }
  ok=0
  run_one && ok=1
  # The kernel's start-up race (see notebooks/kernel/quill_kernel_manager.py) can still strike on a busy
  # machine; it shows as "Kernel didn't respond", never as a cell failure, so that case alone is retried.
  if [ $ok = 0 ] && grep -q "Kernel didn't respond" "$OUT/$name.log"; then
    echo "kernel did not start for $nb; retrying once with a longer warm-up" >&2
    QUILL_KERNEL_WARMUP_S=40 run_one && ok=1
  fi
  if [ $ok = 1 ]; then
    echo "PASS $nb ($(( $(date +%s) - start )) s)"
  else
    echo "FAIL $nb ($(( $(date +%s) - start )) s); the error:"
    grep -v '^\[20\|^Parsing classpath\|^Add .* to classpath' "$OUT/$name.log" | tail -25
    status=1
  fi
done
exit $status
