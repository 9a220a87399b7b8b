#!/usr/bin/env bash
# Greedy decode of one sequence, Quill against PyTorch 2, side by side in one invocation at the same thread count.
#
#   PY=/path/to/python-with-torch2-and-transformers bench/compare-decode.sh BABY_CHECKPOINT [tokens_124m] [repeats]
#   e.g.  PY=/work/venv/bin/python bench/compare-decode.sh out/baby300/best 256 3
#
# (a) GPT-2 124M shape (12x12x768, block 1024, V 50257), the Hugging Face directory GPT2_DIR (default
#     /tmp/gpt2-124m; tools/reference/make_gpt2_124m.py writes one with random weights), a 32-token prompt,
#     N new tokens (default 256): Quill F32, Quill int8 (dev.quill.bench.DecodeThroughput), transformers'
#     generate(use_cache=True, do_sample=False) and a plain PyTorch 2 loop with a KV cache
#     (tools/reference/decode_reference.py).
# (b) the baby model: a Quill checkpoint (BABY_CHECKPOINT, e.g. after ./quill train --config
#     examples/shakespeare-char-baby.json), exported with quill export --format hf for PyTorch; 500 new tokens
#     from a 32-token prompt, Quill F32 and int8 against the PyTorch loop (which slides its window past block_size
#     as Quill does: clear, then re-feed the last block_size / 2 tokens).
# Threads: QUILL_THREADS (default: the CPU count) for Quill's threads and torch.set_num_threads alike; ND4J,
# OpenMP and OpenBLAS at one thread each, as the quill launcher sets them. Every figure is the best of the
# repeats of one whole call; decode_tokens_per_s leaves the prompt out: (N - 1) / (t(N) - t(1)).
# ratio = Quill's decode tokens/s over the faster PyTorch implementation's (> 1: Quill faster).
set -euo pipefail
cd "$(dirname "$0")/.."
baby=${1:?usage: bench/compare-decode.sh BABY_CHECKPOINT [tokens_124m] [repeats]}
tokens=${2:-256}
repeats=${3:-3}
gpt2=${GPT2_DIR:-/tmp/gpt2-124m}
threads=${QUILL_THREADS:-$(nproc)}
. bench/preamble.sh
log=out/bench/$(date +%Y%m%d-%H%M%S)-decode
[ -d "$gpt2" ] || { echo "missing $gpt2: $PY tools/reference/make_gpt2_124m.py $gpt2" >&2; exit 1; }

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" | tail -1; }
result() { grep "^RESULT impl=$2 " "$1" | field "$3"; }          # result LOG IMPL KEY
quill_result() { grep "^RESULT impl=quill weights=$2 " "$1" | field "$3"; }
ids() { grep "^TOKENS impl=$2 " "$1" | field ids; }
same() { awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, ","); split(b, y, ","); k = 0
  while (k < n && x[k + 1] == y[k + 1]) k++; printf "%d/%d", k, n }'; }
quill() {
  GLIBC_TUNABLES="$QUILL_TUNABLES" OMP_WAIT_POLICY=PASSIVE OMP_NUM_THREADS=1 SD_MAX_THREADS=1 SD_MASTER_THREADS=1 OPENBLAS_NUM_THREADS=1 \
    $JAVA -Xmx6g --add-modules jdk.incubator.vector -Dorg.bytedeco.javacpp.maxPhysicalBytes=0 -Dquill.threads="$threads" \
    -cp "$JAR" dev.quill.bench.DecodeThroughput "$@" 2>&1 | grep -E '^(checkpoint|RESULT|TOKENS)'
}
compare() {   # compare NAME QUILL_LOG PYTORCH_LOG IMPLS...
  local name=$1 qlog=$2 plog=$3; shift 3
  local best=0 best_impl=""
  for impl in "$@"; do
    local d; d=$(result "$plog" "$impl" decode_tokens_per_s)
    if awk -v d="$d" -v b="$best" 'BEGIN { exit !(d > b) }'; then best=$d; best_impl=$impl; fi
  done
  for w in f32 int8; do
    local q qt pt; q=$(quill_result "$qlog" $w decode_tokens_per_s); qt=$(quill_result "$qlog" $w tokens_per_s)
    pt=$(result "$plog" "$best_impl" tokens_per_s)
    awk -v n="$name" -v w="$w" -v q="$q" -v qt="$qt" -v p="$best" -v pt="$pt" -v i="$best_impl" -v t="$threads" \
        -v s="$(same "$(ids "$qlog" quill-$w)" "$(ids "$plog" "$best_impl")")" 'BEGIN {
      printf "COMPARE model=%s weights=%s threads=%s quill_decode_tokens_per_s=%.2f %s_decode_tokens_per_s=%.2f ratio=%.2f", n, w, t, q, i, p, q / p
      printf " whole_call_ratio=%.2f same_greedy_ids=%s\n", qt / pt, s }'
  done
}

echo "== (a) GPT-2 124M ($gpt2), 32-token prompt, $tokens new tokens greedy, $threads threads, best of $repeats"
quill --checkpoint "$gpt2" --prompt-tokens 32 --tokens "$tokens" --repeats "$repeats" --weights f32,int8 | tee "$log-124m-quill.txt" | grep -v TOKENS
"$PY" tools/reference/decode_reference.py --model "$gpt2" --prompt-tokens 32 --tokens "$tokens" --repeats "$repeats" \
  --threads "$threads" --impls loop,hf 2>&1 | grep -E '^(torch|RESULT|TOKENS)' | tee "$log-124m-pytorch.txt" | grep -v TOKENS
echo "   transformers and the PyTorch loop agree on $(same "$(ids "$log-124m-pytorch.txt" loop)" "$(ids "$log-124m-pytorch.txt" hf)") greedy ids"
compare gpt2-124m "$log-124m-quill.txt" "$log-124m-pytorch.txt" loop hf
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== (b) baby ($baby), 32-token prompt, 500 new tokens greedy, $threads threads, best of $repeats"
hf=out/bench/baby-hf-$(date +%s)
./quill export --format hf --checkpoint "$baby" --out "$hf" >/dev/null 2>&1 || { echo "quill export --format hf --checkpoint $baby failed" >&2; exit 1; }
quill --checkpoint "$baby" --prompt-tokens 32 --tokens 500 --repeats "$repeats" --weights f32,int8 | tee "$log-baby-quill.txt" | grep -v TOKENS
"$PY" tools/reference/decode_reference.py --model "$hf" --prompt-tokens 32 --tokens 500 --repeats "$repeats" \
  --threads "$threads" --impls loop 2>&1 | grep -E '^(torch|RESULT|TOKENS)' | tee "$log-baby-pytorch.txt" | grep -v TOKENS
compare baby "$log-baby-quill.txt" "$log-baby-pytorch.txt" loop
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "logs: $log-*"
