#!/usr/bin/env bash
# Data-parallel figures on this machine: for each config and worker count, trains STEPS steps with
# quill launch (batch_size per worker, so N workers train on N times the tokens per step) and prints the
# median ms per step over the last half of the steps, tokens/s, and the median gradient all-reduce time per
# step (metrics.jsonl's allreduce_ms, only with 2 or more workers).
#
#   bench/distributed.sh [STEPS] [CONFIG...]      e.g.  bench/distributed.sh 40 baby 6x384
#
# Configs: baby (examples/shakespeare-char-baby.json), 6x384 (examples/shakespeare-char.json).
# Evaluation is off during the measurement; the cores are split among the workers (quill launch).
# WORKERS="1 2 4" picks the worker counts (default 1 2); more workers than cores share them (each worker
# gets one thread), which still measures the all-reduce but not a speed-up.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-40}; shift || true
configs=("${@:-baby 6x384}")
mkdir -p out/bench
for c in ${configs[@]}; do
  case $c in
    baby) cfg=examples/shakespeare-char-baby.json ;;
    6x384) cfg=examples/shakespeare-char.json ;;
    *) echo "unknown config $c" >&2; exit 2 ;;
  esac
  for n in ${WORKERS:-1 2}; do
    out=out/bench/dist-$c-$n; rm -rf "$out"
    ./quill launch --nproc $n -- train --config $cfg --out "$out" --set train.max_iters=$steps \
        --set train.eval_interval=0 --set train.log_interval=1 --set train.lr_decay_iters=$steps >/dev/null 2>"$out.log" \
        || { echo "$c x$n failed: see $out.log" >&2; continue; }
    python3 - "$out/metrics.jsonl" "$c" "$n" <<'P'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
half = rows[len(rows) // 2:]
el = [r["elapsed_s"] for r in rows]
ms = statistics.median([1000 * (b - a) for a, b in zip(el[len(el) // 2 - 1:], el[len(el) // 2:])])
tps = statistics.median([r["tokens_per_sec"] for r in half])
ar = [r["allreduce_ms"] for r in half if "allreduce_ms" in r]
print(f"{sys.argv[2]:6} workers={sys.argv[3]} ms_per_step={ms:.1f} tokens_per_s={tps:.0f} "
      + (f"allreduce_ms={statistics.median(ar):.1f}" if ar else "allreduce_ms=-"))
P
  done
done
