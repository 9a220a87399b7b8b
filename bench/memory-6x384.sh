#!/usr/bin/env bash
# Peak resident memory and step time of 6x384 training (64 sequences of 256 per step, dropout 0.2), Quill and
# PyTorch, at several micro-batch sizes: the step's 64 sequences go as 64 / m micro-batches of m.
#
#   bench/memory-6x384.sh [m...]            e.g.  bench/memory-6x384.sh 8 16 32 64   (the default)
#
# Each side runs STEPS timed steps (default 1) after WARMUP untimed ones (default 0), in its own process, under
# /usr/bin/time -v; the peak is that process's maximum resident set (Quill: JVM heap -Xmx QUILL_XMX, default 4g,
# included). Both sides use THREADS threads (default: the CPU count). Needs what bench/compare-pytorch.sh needs
# (target/benchmarks.jar, data/tinyshakespeare.txt, PY = a Python with PyTorch 2 for SDPA). Skip a side with
# SIDES=quill or SIDES=pytorch. Prints one line per run:
#   MEMORY impl=quill micro=16 peak_rss_mb=.. ms_per_step=..
set -euo pipefail
cd "$(dirname "$0")/.."
micros=("$@")
[ ${#micros[@]} -eq 0 ] && micros=(8 16 32 64)
. bench/preamble.sh
steps=${STEPS:-1}
warmup=${WARMUP:-0}
JAR=${QUILL_JAR:-$JAR}     # another build of the benchmarks, e.g. a copy made before a change
threads=${THREADS:-$(nproc)}
sides=${SIDES:-pytorch quill}
stamp=$(date +%Y%m%d-%H%M%S)

peak_mb() { sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$1" | awk '{ printf "%d", $1 / 1024 }'; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" | tail -1; }

for m in "${micros[@]}"; do
  (( 64 % m == 0 )) || { echo "micro-batch $m must divide 64" >&2; exit 2; }
  accum=$((64 / m))
  for side in $sides; do
    log=out/bench/$stamp-memory-$side-m$m
    if [ "$side" = pytorch ]; then
      env ${PT_ENV[@]+"${PT_ENV[@]}"} OMP_NUM_THREADS=$threads /usr/bin/time -v -o "$log.time" \
        $PY tools/reference/train_reference.py --config 6x384 --steps "$steps" --warmup "$warmup" --accum "$accum" --log-every 1 > "$log.txt" 2>&1
    else
      GLIBC_TUNABLES="$QUILL_TUNABLES" OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 SD_MAX_THREADS=1 SD_MASTER_THREADS=1 OPENBLAS_NUM_THREADS=1 \
        /usr/bin/time -v -o "$log.time" java -Xmx"${QUILL_XMX:-4g}" --add-modules jdk.incubator.vector \
        -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dquill.threads="$threads" -cp "$JAR" dev.quill.bench.TrainThroughput \
        --config 6x384 --steps "$steps" --warmup "$warmup" --accum "$accum" --log-every 1 --peak 1 --rss-at "$steps" > "$log.txt" 2>&1
    fi
    ms=$(grep '^RESULT' "$log.txt" | field ms_per_step)
    echo "MEMORY impl=$side micro=$m accum=$accum peak_rss_mb=$(peak_mb "$log.time") ms_per_step=${ms:-failed} load=$(cut -d' ' -f1 /proc/loadavg)"
  done
done
