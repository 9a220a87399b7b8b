#!/usr/bin/env bash
# Memory read bandwidth of this machine, and what it allows a decode step: a large model's step streams every
# weight once, so bytes per token / bandwidth is its floor (GPT-2 124M: ~498 MB per token in F32, ~125 MB in int8).
#
#   bench/membw.sh [MB] [threads]      defaults 512 and the CPU count
#
# Java: dev.quill.bench.MemoryBandwidth (the sum of an int array far larger than the caches, 1 and T threads).
# numpy / torch (PY, as bench/preamble.sh sets it): the sum of a float32 array of the same size, one pass.
# Needs target/benchmarks.jar (mvn -B -q -Pjmh -DskipTests package). A benchmark, not part of mvn verify.
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-512}
threads=${2:-$(nproc)}
JAR=target/benchmarks.jar
PY=${PY:-/usr/bin/python3}
JAVA=${JAVA:-$(QUILL_PRINT_JAVA=1 ./quill)}     # the JDK ./quill runs
[ -f "$JAR" ] || { echo "missing $JAR: mvn -B -q -Pjmh -DskipTests package" >&2; exit 1; }
echo "java: $JAVA"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg); machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
$JAVA -Xmx$((mb * 2 + 512))m -cp "$JAR" dev.quill.bench.MemoryBandwidth --mb "$mb" --threads "$threads" --repeats 5 | tee /tmp/membw.$$ | grep RESULT
"$PY" - "$mb" "$threads" <<'PYEOF' | tee -a /tmp/membw.$$ || echo "(no numpy/torch under $PY)"
import sys, time
mb, threads = int(sys.argv[1]), int(sys.argv[2])
import numpy as np
a = np.ones(mb * 1024 * 1024 // 4, dtype=np.float32)
def best(f, r=5):
    b = float("inf")
    for _ in range(r + 1):
        t0 = time.perf_counter(); f(); b = min(b, time.perf_counter() - t0)
    return b
print(f"RESULT impl=numpy-sum threads=1 mb={mb} gb_per_s={a.nbytes / best(lambda: a.sum()) / 1e9:.2f}")
try:
    import torch
    torch.set_num_threads(threads)
    t = torch.ones(a.size, dtype=torch.float32)
    print(f"RESULT impl=torch-sum threads={threads} mb={mb} gb_per_s={t.numel() * 4 / best(lambda: t.sum()) / 1e9:.2f}")
except ImportError:
    pass
PYEOF
bw=$(grep "impl=java threads=$threads " /tmp/membw.$$ | sed -n 's/.*gb_per_s=\([^ ]*\).*/\1/p')
rm -f /tmp/membw.$$
awk -v bw="$bw" 'BEGIN {
  printf "per-token floor at %.2f GB/s (Java, all threads): GPT-2 124M F32 498 MB -> %.1f ms, at most %.1f tokens/s; int8 125 MB -> %.1f ms, at most %.1f tokens/s\n",
    bw, 498 / bw, bw * 1000 / 498, 125 / bw, bw * 1000 / 125 }'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
