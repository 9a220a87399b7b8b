#!/usr/bin/env bash
# Peak memory (RSS) and wall time of loading a Hugging Face GPT-2 directory and running one forward,
# against a tiny directory as the baseline of the JVM and ND4J themselves.
#
#   bench/gpt2-load.sh DIR_124M [TINY_DIR]
#
# Make DIR_124M with tools/reference/make_gpt2_124m.py (random weights, ~500 MB). Prints, per directory,
# the loader's own time, the process's wall time and peak RSS, then
#   ratio = (peak RSS of DIR_124M - peak RSS of TINY_DIR) / size of the F32 weights.
set -euo pipefail
big=${1:?usage: bench/gpt2-load.sh DIR_124M [TINY_DIR]}
tiny=${2:-src/test/resources/hf/tied_gelunew_prefixed}
mvn -B -o -q -DskipTests test-compile
cpfile=$(mktemp)
mvn -B -o -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cpfile" >/dev/null
cp=target/test-classes:target/classes:$(cat "$cpfile")
rm -f "$cpfile"
echo "date: $(date -u +%F), machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1 /proc/loadavg)"

run() {  # prints "peak_kb wall cpu_s"; the probe's line and the loader's log line go to stderr
    local log; log=$(mktemp)
    /usr/bin/time -v java -cp "$cp" dev.quill.model.LoadProbe "$1" 2>"$log" | grep -o 'nd4j_start_ms.*' >&2
    local kb wall user sys
    kb=$(grep 'Maximum resident set size' "$log" | awk '{print $NF}')
    wall=$(grep 'Elapsed (wall clock)' "$log" | awk '{print $NF}')
    user=$(grep 'User time' "$log" | awk '{print $NF}')
    sys=$(grep 'System time' "$log" | awk '{print $NF}')
    rm -f "$log"
    echo "$kb $wall $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')"
}

read -r tiny_kb tiny_wall tiny_cpu < <(run "$tiny")
echo "tiny  $tiny: peak RSS $((tiny_kb / 1024)) MB, wall $tiny_wall, CPU ${tiny_cpu} s"
read -r big_kb big_wall big_cpu < <(run "$big")
echo "124M  $big: peak RSS $((big_kb / 1024)) MB, wall $big_wall, CPU ${big_cpu} s"
# F32 size of the weights: 4 bytes per element, whatever dtype the files hold
weights=$(/usr/bin/env python3 - "$big" <<'PY'
import json, os, struct, sys
d = sys.argv[1]
files = [os.path.join(d, "model.safetensors")]
if not os.path.exists(files[0]):
    files = sorted({os.path.join(d, f) for f in json.load(open(os.path.join(d, "model.safetensors.index.json")))["weight_map"].values()})
n = 0
for f in files:
    with open(f, "rb") as fh:
        h = json.loads(fh.read(struct.unpack("<Q", fh.read(8))[0]))
    for k, v in h.items():
        if k != "__metadata__":
            m = 1
            for s in v["shape"]:
                m *= s
            n += m
print(n * 4)
PY
)
echo "F32 weights: $((weights / 1024 / 1024)) MB"
awk -v b="$big_kb" -v t="$tiny_kb" -v w="$weights" 'BEGIN { printf "ratio (peak - tiny peak) / F32 weights = %.2f\n", (b - t) * 1024 / w }'
