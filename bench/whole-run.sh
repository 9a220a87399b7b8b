#!/usr/bin/env bash
# The whole run as a user runs it: `./quill train` of the baby recipe against nanoGPT's step in PyTorch, one
# after the other in one invocation.
#
#   PY=/path/to/python-with-torch-2 bench/whole-run.sh [steps] [full]      e.g.  bench/whole-run.sh 500 full
#
# 1. Steps (default 500, warm-up included), evaluation and periodic checkpoints off, every step logged.
#    Quill: ./quill train --config examples/shakespeare-char-baby.json --set train.max_iters=N
#    --set train.log_interval=1 --set train.eval_interval=0 --set train.checkpoint_interval=0 (the launcher's
#    own JVM, threads and options); its figure is the tokens of all N steps over the sum of their step times,
#    from metrics.jsonl (tokens_per_sec of every step). PyTorch: tools/reference/train_reference.py --config
#    baby --steps N --warmup 0 (eager, torch's default threads, SDPA, AdamW, clipping at 1.0, each step timed
#    from drawing the batch to the optimizer step). Printed: the whole-run ratio (mean over every step) and
#    the steady ratio (median step), Quill over PyTorch (> 1: Quill faster).
# 2. With `full`: the shipped recipe as it ships (2,000 steps, an evaluation and a checkpoint every 250) on
#    both sides, each timed whole by /usr/bin/time (JVM or Python start, data loading, evaluations and
#    checkpoints included): wall seconds and peak RSS.
# ROUNDS=2 repeats part 1, the sides in turn first. A benchmark, not part of mvn verify.
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-500}
full=${2:-}
PY=${PY:-/usr/bin/python3}
[ -f data/tinyshakespeare.txt ] || { echo "missing data/tinyshakespeare.txt" >&2; exit 1; }
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min; figures are noisy when this exceeds the CPU count)"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "java: $(./quill --version 2>&1 | tail -1) via the launcher; python: $($PY -c 'import torch, sys; print(sys.version.split()[0], "torch", torch.__version__)')"
stamp=$(date +%Y%m%d-%H%M%S)
log=out/bench/$stamp-whole
mkdir -p "$log"

pytorch_steps() {
  $PY tools/reference/train_reference.py --config baby --steps "$steps" --warmup 0 --log-every 100 > "$log/pytorch-$1.txt"
  sed -n 's/^RESULT.* ms_per_step=\([^ ]*\).*all_ms_per_step=\([^ ]*\).*/\1 \2/p' "$log/pytorch-$1.txt"
}

quill_steps() {
  rm -rf "$log/quill-$1"
  ./quill train --config examples/shakespeare-char-baby.json --out "$log/quill-$1" --set train.max_iters="$steps" \
    --set train.log_interval=1 --set train.eval_interval=0 --set train.checkpoint_interval=0 > "$log/quill-$1.txt" 2>&1
  # step time = tokens of the step / tokens_per_sec; median and mean over every step
  $PY - "$log/quill-$1/metrics.jsonl" <<'PYEOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"train_loss"' in l]
ms = [12 * 64 / r["tokens_per_sec"] * 1e3 for r in rows]
print(f"{statistics.median(ms):.2f} {statistics.fmean(ms):.2f} {len(ms)}")
PYEOF
}

for round in $(seq 1 "${ROUNDS:-1}"); do
  if [ $((round % 2)) -eq 1 ]; then
    read -r p_med p_all < <(pytorch_steps "$round"); read -r q_med q_all q_n < <(quill_steps "$round")
  else
    read -r q_med q_all q_n < <(quill_steps "$round"); read -r p_med p_all < <(pytorch_steps "$round")
  fi
  [ "$q_n" = "$steps" ] || { echo "Quill logged $q_n steps, not $steps (see $log/quill-$round.txt)" >&2; exit 1; }
  awk -v qm="$q_med" -v qa="$q_all" -v pm="$p_med" -v pa="$p_all" -v n="$steps" -v r="$round" 'BEGIN {
    printf "WHOLE round=%s steps=%s quill_mean_ms=%.2f pytorch_mean_ms=%.2f whole_ratio=%.3f quill_tokens_per_s=%.0f pytorch_tokens_per_s=%.0f\n", r, n, qa, pa, pa / qa, 768000 / qa, 768000 / pa
    printf "STEADY round=%s quill_median_ms=%.2f pytorch_median_ms=%.2f steady_ratio=%.3f\n", r, qm, pm, pm / qm }'
done

if [ "$full" = full ]; then
  echo "== the shipped baby recipe, 2,000 steps, whole processes"
  /usr/bin/time -f "%e %M" -o "$log/time-pytorch.txt" $PY tools/reference/train_reference.py --config baby \
    --steps 2000 --warmup 0 --log-every 250 --eval-interval 250 --eval-iters 20 --out "$log/pytorch-full" > "$log/pytorch-full.txt"
  rm -rf "$log/quill-full"
  /usr/bin/time -f "%e %M" -o "$log/time-quill.txt" ./quill train --config examples/shakespeare-char-baby.json \
    --out "$log/quill-full" > "$log/quill-full.txt" 2>&1
  read -r pw pr < "$log/time-pytorch.txt"; read -r qw qr < "$log/time-quill.txt"
  awk -v qw="$qw" -v pw="$pw" -v qr="$qr" -v pr="$pr" 'BEGIN {
    printf "FULL quill_wall_s=%.1f pytorch_wall_s=%.1f ratio=%.3f quill_peak_rss_mb=%.0f pytorch_peak_rss_mb=%.0f\n", qw, pw, pw / qw, qr / 1024, pr / 1024 }'
fi
echo "logs: $log"
