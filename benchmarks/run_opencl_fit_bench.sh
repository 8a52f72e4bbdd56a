#!/usr/bin/env bash
# OpenCL vs SIMD fit throughput in one run: `scalespace fit` end to end (JVM start, .npy read, fit, CSV write) on the
# same filters, coarse only (--no-refine: the part the backend computes) and with refinement (the default), families
# checked identical between the two backends before any number is printed.
# Usage: benchmarks/run_opencl_fit_bench.sh [N]   (default N = 32768 7×7 filters)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-32768}"
PY=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -f target/scalespace.jar ] || mvn -q -B package -DskipTests
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
command -v clinfo >/dev/null && clinfo -l
$PY benchmarks/make_fit_filters.py "$work/filters.npy" "$N"
echo "filters: $N × 7×7 float32, 8 families, sep, default grid"
for mode in --no-refine ""; do
  for b in simd opencl; do
    ./scalespace fit "$work/filters.npy" --backend "$b" $mode -o "$work/$b.csv" 2>&1 | grep -E "^fitted"
  done
  if ! cmp -s <(cut -d, -f1-4 "$work/simd.csv") <(cut -d, -f1-4 "$work/opencl.csv"); then
    echo "FAMILIES DIFFER between simd and opencl (${mode:-refined}); no timing is valid" >&2
    exit 1
  fi
  echo "families identical (simd vs opencl, ${mode:-refined})"
done
