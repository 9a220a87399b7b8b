#!/usr/bin/env bash
# Quill's generation vs PyTorch nanoGPT's generate without a KV cache, same machine, one after the other
# (the figures and how to read them: docs/performance.md).
#
#   bench/compare-generation.sh [tokens] [repeats]      defaults 500 and 10;  e.g.  bench/compare-generation.sh 500 10
#
# Ten repeats, not three: the JVM compiles the row decoder's loops during the first few thousand tokens, and at
# best of 3 (after 50 warm-up tokens) the Java side was timed partly compiled (2,376 against 5,050 tokens/s at
# best of 5 for the same build). Both sides get the same warm-up and the same number of repeats.
#
# Needs: target/benchmarks.jar (mvn -B -q -Pjmh -DskipTests package), Debian python3-torch with OpenBLAS as the
# system BLAS (libopenblas0-pthread), data/tinyshakespeare.txt. A benchmark, not part of mvn verify.
# Both sides: the baby shape (4x4x128, block 64, V 65) with random weights, batch 1, prompt "\n", best of the
# repeats, each one whole call timed, sampling as nanoGPT's sample.py and Quill's SampleConfig.defaults() both do
# (temperature 0.8, top-k 200). PyTorch (tools/reference/generate_reference.py): nanoGPT's loop, torch's default
# threads. Quill (dev.quill.bench.GenerateThroughput): modes cache (default slide), cache-exact, nocache, and
# window-* (63 tokens in one window); one thread everywhere:
# -Dquill.threads=1 with ND4J, OpenMP and OpenBLAS at one thread each.
set -euo pipefail
cd "$(dirname "$0")/.."
tokens=${1:-500}
repeats=${2:-10}
. bench/preamble.sh
log=out/bench/$(date +%Y%m%d-%H%M%S)-gen

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" | tail -1; }
result() { grep "^RESULT.* mode=$2 " "$1" | field "$3"; }   # result LOG MODE KEY

echo "== PyTorch nanoGPT generate, no cache: $tokens new tokens, best of $repeats"
$PY tools/reference/generate_reference.py --tokens "$tokens" --repeats "$repeats" --temperature 0.8 --top-k 200 | tee "$log-pytorch.txt" | grep -E '^(torch|RESULT)'
echo "== Quill Generator, 1 thread: $tokens new tokens, best of $repeats"
GLIBC_TUNABLES="$QUILL_TUNABLES" OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 SD_MAX_THREADS=1 SD_MASTER_THREADS=1 OPENBLAS_NUM_THREADS=1 \
  java -Xmx4g --add-modules jdk.incubator.vector -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dquill.threads=1 -cp "$JAR" dev.quill.bench.GenerateThroughput --tokens "$tokens" --repeats "$repeats" \
  2>&1 | tee "$log-quill.txt" | grep -E '^(threads|RESULT)'

pt=$(result "$log-pytorch.txt" nocache tokens_per_s)
pt_cpu=$(result "$log-pytorch.txt" nocache cpu_ms_per_token)
q_nocache=$(result "$log-quill.txt" nocache tokens_per_s)
# ratio: wall-clock tokens/s over PyTorch's no-cache (> 1: Quill faster); vs_quill_nocache: over Quill's own no-cache
# loop. cpu_ratio: PyTorch's CPU ms/token over Quill's main-thread CPU ms/token (both one thread; steadier than
# wall time on a busy machine).
for mode in cache cache-exact nocache; do
  q=$(result "$log-quill.txt" "$mode" tokens_per_s)
  q_cpu=$(result "$log-quill.txt" "$mode" cpu_ms_per_token)
  awk -v m="$mode" -v q="$q" -v p="$pt" -v qn="$q_nocache" -v qc="$q_cpu" -v pc="$pt_cpu" -v n="$tokens" 'BEGIN {
    printf "COMPARE mode=%s tokens=%s quill_tokens_per_s=%.1f pytorch_nocache_tokens_per_s=%.1f ratio=%.2f", m, n, q, p, q / p
    if (m != "nocache") printf " quill_nocache_tokens_per_s=%.1f vs_quill_nocache=%.2f", qn, q / qn
    printf " quill_cpu_ms_per_token=%.3f pytorch_cpu_ms_per_token=%.3f cpu_ratio=%.2f\n", qc, pc, pc / qc }'
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "logs: $log-*"
