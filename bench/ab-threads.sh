#!/usr/bin/env bash
# Interleaved A/B of Quill training throughput (baby config): runs TrainThroughput once per spec, in turn,
# for the given number of rounds, and prints each spec's median and minimum of the per-run ms/step medians.
#
#   bench/ab-threads.sh ROUNDS STEPS "label:java options" ...
#   e.g.  bench/ab-threads.sh 3 60 "t1:-Dquill.threads=1" "t2:-Dquill.threads=2"
#         bench/ab-threads.sh 4 60 "old:--jar /tmp/old.jar -Dquill.threads=1" "new:-Dquill.threads=1"
#
# The Vector API module is always added (-Dquill.vector=off in a spec's options switches its kernels off).
# "--jar PATH" among the options runs that jar instead of target/benchmarks.jar (a build of another commit).
# Interleaving spreads a noisy machine's slow and fast minutes over both sides. Needs target/benchmarks.jar.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out/bench
export OMP_NUM_THREADS=1 SD_MAX_THREADS=1 SD_MASTER_THREADS=1 OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
rounds=$1; steps=$2; shift 2
for r in $(seq $rounds); do
  for spec in "$@"; do
    label=${spec%%:*}; opts=${spec#*:}; jar=target/benchmarks.jar
    if [[ $opts =~ --jar\ ([^ ]+) ]]; then jar=${BASH_REMATCH[1]}; opts=${opts/--jar $jar/}; fi
    ms=$(java --add-modules jdk.incubator.vector $opts -cp "$jar" dev.quill.bench.TrainThroughput --config baby --steps $steps --warmup 15 2>&1 | grep RESULT | grep -o " ms_per_step=[0-9.]*" | cut -d= -f2)
    echo "$label $ms"
  done
done | tee out/bench/ab-threads.txt
python3 - <<'P'
import collections,statistics
d=collections.defaultdict(list)
for l in open('out/bench/ab-threads.txt'):
    k,v=l.split(); d[k].append(float(v))
for k,v in d.items(): print(k, 'median', statistics.median(v), 'min', min(v), v)
P
