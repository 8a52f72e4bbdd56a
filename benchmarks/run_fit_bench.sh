#!/usr/bin/env bash
# Bulk fitting benchmark: `scalespace fit` end to end (JVM start, .npy read, fit, CSV write) on JDK 17 and JDK 25,
# against the NumPy grid search (benchmarks/fit_numpy.py) on the same filters and candidate grid, in one run.
# Usage: benchmarks/run_fit_bench.sh [N]   (default N = 200000 7×7 filters)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-200000}"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
JDK25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java

[ -f target/scalespace.jar ] || mvn -q -B package -DskipTests

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
# filters: the 8 bundled master key filters with random gain, offset and noise (fixed seed)
$PY benchmarks/make_fit_filters.py "$work/filters.npy" "$N"
echo "filters: $N × 7×7 float32 ($work/filters.npy)"

run() { # label, java, extra args
  local label=$1 java=$2; shift 2
  local t0 t1
  t0=$(date +%s.%N)
  JAVA="$java" ./scalespace fit "$work/filters.npy" -q "$@"
  t1=$(date +%s.%N)
  $PY -c "import sys; n=$N; dt=$t1-$t0; print(f'$label: {dt:.2f} s wall, {n/dt:.0f} filters/s end to end')"
}
echo "--- scalespace (simd, 8 families, sep, refinement on), end to end"
run "jdk17 fit" java -o "$work/fit17.csv"
run "jdk25 fit" "$JDK25" -o "$work/fit25.csv"
echo "--- scalespace coarse grid only (--no-refine), end to end"
run "jdk17 fit --no-refine" java --no-refine -o "$work/coarse17.csv"
run "jdk25 fit --no-refine" "$JDK25" --no-refine -o "$work/coarse25.csv"
echo "--- scalespace in process, timed as the NumPy script is: read once, fit 3 times, best run (excludes JVM start,"
echo "    JIT compilation and I/O, as NumPy's figure excludes reading)"
for j in java "$JDK25"; do
  echo "$j: $(JAVA="$j" ./scalespace bench fit "$work/filters.npy" --repeat 3 | tail -1)"
done
# The peer runs with glibc malloc keeping freed memory (large blocks from the heap, no trimming): on VMs where
# first-touched memory is expensive (~12 µs per 4 KiB page measured on the 2-core machine), NumPy's fresh
# 578 MB score matrix per chunk otherwise costs it about half its time in page faults (11.5k -> ~20k filters/s).
PEER_ENV=(env MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=1073741824)
echo "--- NumPy grid search, same grid, same filters (timed in-process, best of 3; excludes reading), float64"
"${PEER_ENV[@]}" $PY benchmarks/fit_numpy.py "$work/filters.npy" --out "$work/numpy.csv"
echo "--- the same in float32 (the precision of the coarse scores of the simd backend)"
"${PEER_ENV[@]}" $PY benchmarks/fit_numpy.py "$work/filters.npy" --dtype float32 --out "$work/numpy32.csv"
# cross-check: family choices of the coarse grid search must agree (float32 near-ties aside)
for peer in numpy numpy32; do
$PY - "$work/coarse17.csv" "$work/$peer.csv" "$peer" <<'PY'
import csv, sys
a = [r["family"] for r in csv.DictReader(open(sys.argv[1]))]
b = [r["family"] for r in csv.DictReader(open(sys.argv[2]))]
agree = sum(x == y for x, y in zip(a, b))
print(f"coarse family agreement scalespace vs {sys.argv[3]}: {agree}/{len(a)} ({100*agree/len(a):.3f}%)")
if agree < 0.999 * len(a):
    sys.exit("family choices disagree: the benchmark is invalid")
PY
done
