#!/usr/bin/env bash
# Quill vs PyTorch training throughput on the same machine, one after the other.
#
#   bench/compare-pytorch.sh [baby|6x384|all] [threads...]      e.g.  bench/compare-pytorch.sh baby 1 2
#
# Needs: target/benchmarks.jar (mvn -B -q -Pjmh -DskipTests package), Debian python3-torch with OpenBLAS as
# the system BLAS (libopenblas0-pthread), data/tinyshakespeare.txt. A benchmark, not part of mvn verify.
# Steps: baby 200 timed after 300 warm-up; 6x384 8 after 2 (about 12 s per step in PyTorch). Override with
# BABY_STEPS / BABY_WARMUP / BIG_STEPS / BIG_WARMUP. The baby warm-up is long because the JVM's compilers
# are: Quill's step time falls from 60-130 ms (steps 1-25) to a steady 36-40 ms only after about 250 steps
# (docs/performance.md); PyTorch is steady within a few steps. Both sides get the same warm-up, and COMPARE's
# all_ratio also reports every step, warm-up included (BABY_WARMUP=30 gives the short-run view).
# Quill makes the 6x384 step's 64 sequences as BIG_ACCUM
# (default 8, as examples/shakespeare-char.json) micro-batches of 64 / BIG_ACCUM, as grad_accum_steps does: the
# same tokens and update per step, an eighth of the activation memory (BIG_ACCUM=1 runs all 64 at once; peak
# memory per micro-batch size: bench/memory-6x384.sh). PyTorch runs the 64 at once, as nanoGPT does
# (PT_ACCUM=8 makes it accumulate too). Quill runs once per thread count n given (default 1 and 2)
# as the launcher runs it: -Dquill.threads=n (Quill's own threads) with ND4J, OpenMP and OpenBLAS at one thread
# each (OMP_NUM_THREADS = SD_MAX_THREADS = SD_MASTER_THREADS = OPENBLAS_NUM_THREADS = 1, OMP_WAIT_POLICY=PASSIVE)
# and JavaCPP's resident-memory cap off (-Dorg.bytedeco.javacpp.maxPhysicalBytes=0, see the launcher), with the
# Vector API module that the launcher adds (--add-modules jdk.incubator.vector: Quill's attention kernels).
set -euo pipefail
cd "$(dirname "$0")/.."
which_cfg=${1:-baby}
shift || true
threads=("$@")
[ ${#threads[@]} -eq 0 ] && threads=(1 2)
. bench/preamble.sh
stamp=$(date +%Y%m%d-%H%M%S)

field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" | tail -1; }

run_cfg() {
  local cfg=$1 steps=$2 warmup=$3 accum=${4:-1}
  local log=out/bench/$stamp-$cfg
  echo "== $cfg: PyTorch, $steps steps after $warmup warm-up"
  env ${PT_ENV[@]+"${PT_ENV[@]}"} $PY tools/reference/train_reference.py --config "$cfg" --steps "$steps" --warmup "$warmup" --accum "${PT_ACCUM:-1}" | tee "$log-pytorch.txt" | grep -E '^(torch|ms/step|RESULT)'
  local pt
  pt=$(grep '^RESULT' "$log-pytorch.txt" | field tokens_per_s)
  local pt_all
  pt_all=$(grep '^RESULT' "$log-pytorch.txt" | field all_ms_per_step)
  local pt_cpu
  pt_cpu=$(grep '^RESULT' "$log-pytorch.txt" | field cpu_ms_per_step)
  local best_tps=0 best_n=
  for n in "${threads[@]}"; do
    echo "== $cfg: Quill, $n thread(s), $steps steps after $warmup warm-up"
    GLIBC_TUNABLES="$QUILL_TUNABLES" OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 SD_MAX_THREADS=1 SD_MASTER_THREADS=1 OPENBLAS_NUM_THREADS=1 \
      java -Xmx4g --add-modules jdk.incubator.vector -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dquill.threads="$n" -cp "$JAR" dev.quill.bench.TrainThroughput --config "$cfg" --steps "$steps" --warmup "$warmup" \
      --accum "$accum" --log-every 50 --rss-at "$((steps + warmup))" 2>&1 | tee "$log-quill-t$n.txt" | grep -E '^(GEMM|ms/step|RESULT)'
    local q
    q=$(grep '^RESULT' "$log-quill-t$n.txt" | field tokens_per_s)
    local q_all
    q_all=$(grep '^RESULT' "$log-quill-t$n.txt" | field all_ms_per_step)
    local q_cpu
    q_cpu=$(grep '^RESULT' "$log-quill-t$n.txt" | field cpu_ms_per_step)
    # ratio: wall-clock tokens/s, Quill over PyTorch (> 1: Quill faster). cpu_ratio: PyTorch's CPU ms/step over
    # Quill's main-thread CPU ms/step, meaningful when both run one thread (less sensitive to a busy machine).
    # all_ratio: the same over every step, warm-up included (mean ms/step): a short run's view, JIT warm-up in it
    # (-1 when a side printed no all_ms_per_step: a benchmarks.jar built before it; rebuild).
    awk -v q="$q" -v p="$pt" -v n="$n" -v c="$cfg" -v qc="$q_cpu" -v pc="$pt_cpu" -v qa="$q_all" -v pa="$pt_all" 'BEGIN { printf "COMPARE config=%s quill_threads=%s quill_tokens_per_s=%.1f pytorch_tokens_per_s=%.1f ratio=%.3f all_ratio=%.3f quill_cpu_ms=%.1f pytorch_cpu_ms=%.1f cpu_ratio=%.3f\n", c, n, q, p, q / p, (qa > 0 ? pa / qa : -1), qc, pc, pc / qc }'
    if awk -v q="$q" -v b="$best_tps" 'BEGIN { exit !(q > b) }'; then best_tps=$q; best_n=$n; fi
  done
  awk -v q="$best_tps" -v p="$pt" -v n="$best_n" -v c="$cfg" 'BEGIN { printf "BEST config=%s quill_threads=%s ratio=%.3f (Quill %.1f vs PyTorch %.1f tokens/s)\n", c, n, q / p, q, p }'
}

case "$which_cfg" in
  baby) run_cfg baby "${BABY_STEPS:-200}" "${BABY_WARMUP:-300}" ;;
  6x384) run_cfg 6x384 "${BIG_STEPS:-8}" "${BIG_WARMUP:-2}" "${BIG_ACCUM:-8}" ;;
  all) run_cfg baby "${BABY_STEPS:-200}" "${BABY_WARMUP:-300}"; run_cfg 6x384 "${BIG_STEPS:-8}" "${BIG_WARMUP:-2}" "${BIG_ACCUM:-8}" ;;
  *) echo "usage: $0 [baby|6x384|all] [threads...]" >&2; exit 2 ;;
esac
echo "logs: out/bench/$stamp-*"
