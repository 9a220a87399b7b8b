#!/usr/bin/env bash
# GPT-2 tokenizer throughput: Quill's Gpt2Tokenizer vs tiktoken vs Hugging Face tokenizers, encoding all of a
# text (default tiny Shakespeare) with GPT-2's vocabulary (src/test/resources/gpt2), same machine, one run.
#
#   bench/compare-tokenizers.sh [text] [repeats]        defaults data/tinyshakespeare.txt and 5
#
# Single-threaded encode of the whole text, best of the repeats, in wall-clock time and in CPU time (the encoding
# thread's for Quill, the process's for Python; steadier than wall-clock when other jobs share the CPUs): Quill (dev.quill.data.Gpt2Bench, test classpath)
# cold (fresh tokenizer, empty chunk cache, JIT warm) and warm (cache full); tiktoken's encode (no cache);
# tokenizers' encode on a fresh Tokenizer (cold) and again (warm word cache). For reference also the batch modes,
# which split the text into lines and encode them on all CPUs. Needs: mvn, a Python with tiktoken and tokenizers
# (PY, default /work/venv/bin/python). A benchmark, not part of mvn verify.
set -euo pipefail
cd "$(dirname "$0")/.."
text=${1:-data/tinyshakespeare.txt}
repeats=${2:-5}
PY=${PY:-/work/venv/bin/python}
[ -f "$text" ] || { echo "missing $text (cp ../shared/data/tinyshakespeare.txt data/)" >&2; exit 1; }
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(java -version 2>&1 | head -1)"
mvn -B -o -q -DskipTests test-compile
cp=$(mktemp)
mvn -B -o -q dependency:build-classpath -Dmdep.outputFile="$cp" >/dev/null
log=$(mktemp)
java -Xmx2g -cp "target/classes:target/test-classes:$(cat "$cp")" dev.quill.data.Gpt2Bench "$text" "$repeats" 2>/dev/null | grep '^RESULT' >"$log"
"$PY" tools/reference/gpt2_tokenizer_bench.py "$text" "$repeats" | grep '^RESULT' >>"$log"
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
printf '%-18s %10s %10s %14s %10s %14s\n' impl tokens seconds tokens/s cpu_s tokens/cpu_s
while read -r line; do
  impl=$(echo "$line" | field impl)
  case "$impl" in pretok-*) printf '%-18s %10s %10s %14s\n' "$impl" "$(echo "$line" | field chunks)" \
      "$(echo "$line" | field seconds)" "$(echo "$line" | field chunks_per_s) chunks/s"; continue ;; esac
  tokens=$(echo "$line" | field tokens)
  cpu=$(echo "$line" | field cpu_seconds)
  printf '%-18s %10s %10s %14s %10s %14.0f\n' "$impl" "$tokens" "$(echo "$line" | field seconds)" \
    "$(echo "$line" | field tokens_per_s)" "$cpu" "$(echo "$tokens / $cpu" | bc -l)"
done <"$log"
rm -f "$cp" "$log"
