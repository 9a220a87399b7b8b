#!/usr/bin/env bash
# Long runs, a benchmark rather than a test (it takes many minutes):
#  1. memory: a STEPS-step baby run (default 10,000), its resident memory (rss_mb of metrics.jsonl) at
#     step 1,000 and at the last step, and their ratio (1.00 = flat);
#  2. resume: a RESUME_STEPS-step run (default 600, checkpoints every 50 steps) killed with kill -9 at a
#     random step and continued with --resume, against the same run left alone: the final val loss, the
#     train loss of every logged step, and the bytes of last/model.safetensors must be equal.
#
#   bench/long-run.sh [STEPS] [RESUME_STEPS]        (STEPS 0: the resume check alone)
#
# Needs data/tinyshakespeare.txt (or the network, to download it). Exits 1 when the resumed run differs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
steps=${1:-10000}
rsteps=${2:-600}
out=out/bench/long-run
cfg=examples/shakespeare-char-baby.json
rm -rf "$out"
mkdir -p "$out"
echo "date: $(date -u +%F), machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"

# the value of "key" on the metrics line of step N (empty when that step was not logged)
field() {  # field FILE STEP KEY
    grep -E "\"step\":$2[,}]" "$1" | tail -1 | sed -nE "s/.*\"$3\":([-0-9.eE]+).*/\1/p"
}

# --- 1. memory over a long run (STEPS 0 skips it) ---
if [ "$steps" -gt 0 ]; then
long=(--config "$cfg" --set train.max_iters="$steps" --set train.lr_decay_iters="$steps"
      --set train.eval_interval=250 --set train.checkpoint_interval=250)
start=$(date +%s)
./quill train "${long[@]}" --out "$out/long" > "$out/long.log" 2>&1
wall=$(( $(date +%s) - start ))
m="$out/long/metrics.jsonl"
at=$(( steps < 1000 ? steps : 1000 ))
rss_at=$(field "$m" "$at" rss_mb)
rss_end=$(field "$m" "$steps" rss_mb)
echo "memory: ./quill train --config $cfg --set train.max_iters=$steps --set train.lr_decay_iters=$steps --set train.eval_interval=250 --set train.checkpoint_interval=250"
echo "  rss_mb at step $at: $rss_at, at step $steps: $rss_end, ratio $(awk -v a="$rss_at" -v b="$rss_end" 'BEGIN { printf "%.3f", b / a }')"
echo "  max rss_mb over the run: $(sed -nE 's/.*"rss_mb":([0-9.]+).*/\1/p' "$m" | sort -g | tail -1), final val loss $(field "$m" "$steps" val_loss), wall ${wall} s"
fi

# --- 2. kill -9 and --resume against an uninterrupted run ---
short=(--config "$cfg" --set train.max_iters="$rsteps" --set train.lr_decay_iters="$rsteps"
       --set train.eval_interval=100 --set train.checkpoint_interval=50)
./quill train "${short[@]}" --out "$out/whole" > "$out/whole.log" 2>&1
kill_at=$(( 60 + RANDOM % (rsteps - 120) ))                    # after the first checkpoint, before the end
./quill train "${short[@]}" --out "$out/killed" > "$out/killed.log" 2>&1 &
pid=$!                                                           # the JVM itself: the launcher execs it
last_logged() {
    tail -1 "$out/killed/metrics.jsonl" 2>/dev/null | sed -nE 's/.*"step":([0-9]+).*/\1/p'
}
until [ "$(last_logged)" -ge "$kill_at" ] 2>/dev/null; do         # the step is logged every 10; kill soon after
    kill -0 "$pid" 2>/dev/null || { echo "the run to kill ended before step $kill_at" >&2; exit 1; }
    sleep 0.$(( RANDOM % 10 ))
done
kill -9 "$pid"
killed_after=$(last_logged)
wait "$pid" 2>/dev/null || true
resumed_from=$(sed -nE 's/.*"step" *: *([0-9]+).*/\1/p' "$out/killed/last/trainer_state.json" | head -1)
./quill train "${short[@]}" --resume --out "$out/killed" > "$out/resumed.log" 2>&1
losses() {  # step and train loss of every metrics line
    sed -nE 's/.*"step":([0-9]+).*"train_loss":([-0-9.eE]+).*/\1 \2/p' "$1"
}
same_losses=yes
diff <(losses "$out/whole/metrics.jsonl") <(losses "$out/killed/metrics.jsonl") > /dev/null || same_losses=no
same_weights=yes
cmp -s "$out/whole/last/model.safetensors" "$out/killed/last/model.safetensors" || same_weights=no
val_whole=$(field "$out/whole/metrics.jsonl" "$rsteps" val_loss)
val_resumed=$(field "$out/killed/metrics.jsonl" "$rsteps" val_loss)
echo "resume: $rsteps steps, checkpoint every 50; killed (kill -9) after step $killed_after was logged, resumed from step $resumed_from"
echo "  final val loss: uninterrupted $val_whole, resumed $val_resumed; every train loss equal: $same_losses; last/model.safetensors identical: $same_weights"
[ "$val_whole" = "$val_resumed" ] && [ "$same_losses" = yes ] && [ "$same_weights" = yes ]
