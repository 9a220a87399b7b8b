# Sourced by the comparison scripts (bench/compare-*.sh), from the repository root: checks what a Quill vs
# PyTorch run needs, prints what the figures depend on (BLAS, load, CPU), and sets JAR, JAVA and PY.
JAR=target/benchmarks.jar
# JAVA: the JDK ./quill runs (the newest it finds, 17 or later; docs/performance.md, "Which JDK") with the
# options it adds on JDK 24 and later; JAVA=java for the one on the PATH.
JAVA=${JAVA:-$(QUILL_PRINT_JAVA=1 ./quill)}
# PY: the Python whose torch is the reference. PyTorch 2 (what a user would pick today) is the anchor:
#   python3 -m venv out/bench/venv && out/bench/venv/bin/pip install torch numpy   (with your pip's index)
#   PY=out/bench/venv/bin/python bench/compare-pytorch.sh baby 2
# Without PY, Debian's python3-torch (1.13, no SDPA) runs.
PY=${PY:-/usr/bin/python3}
# Quill's side runs with the launcher's huge pages for native memory (see ./quill, QUILL_HUGEPAGES=on|off):
# the scripts that start java themselves put GLIBC_TUNABLES="$QUILL_TUNABLES" before it, never before PyTorch.
QUILL_TUNABLES=${GLIBC_TUNABLES:-}
case "${QUILL_HUGEPAGES:-on}" in
  on) [[ "$QUILL_TUNABLES" == *glibc.malloc.hugetlb* ]] || QUILL_TUNABLES="${QUILL_TUNABLES:+$QUILL_TUNABLES:}glibc.malloc.hugetlb=1" ;;
  off) ;;
  *) echo "QUILL_HUGEPAGES=$QUILL_HUGEPAGES must be on or off" >&2; exit 2 ;;
esac
# PyTorch's own switch for huge pages (c10's THP_MEM_ALLOC_ENABLE, off by default): PT_THP=1 turns it on in
# compare-pytorch.sh and memory-6x384.sh, for a second reading of the PyTorch side.
PT_ENV=()
[ "${PT_THP:-0}" = 1 ] && PT_ENV=(THP_MEM_ALLOC_ENABLE=1)
[ -f "$JAR" ] || { echo "missing $JAR: mvn -B -q -Pjmh -DskipTests package" >&2; exit 1; }
[ -f data/tinyshakespeare.txt ] || { echo "missing data/tinyshakespeare.txt (./quill train --config examples/shakespeare-char-baby.json downloads it, or put it there)" >&2; exit 1; }
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 || true)
echo "system BLAS: $blas"
echo "java: $JAVA"
case "$blas" in *openblas*) ;; *) echo "WARNING: the system BLAS is not OpenBLAS; PyTorch will be ~15x slower (apt-get install libopenblas0-pthread)" >&2 ;; esac
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min; figures are noisy when this exceeds the CPU count)"
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "environment: Quill GLIBC_TUNABLES=${QUILL_TUNABLES:-(none)}; PyTorch ${PT_ENV[*]:-(defaults)}"
mkdir -p out/bench
