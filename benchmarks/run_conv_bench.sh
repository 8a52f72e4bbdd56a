#!/usr/bin/env bash
# The CPU convolution benchmark, in ONE run: machine facts, the peer script (which also writes the input tensors),
# then `bench conv` of the SIMD engine on exactly those tensors, separable 7-tap and dense 7×7, on JDK 17 and on
# JDK 25 (when installed). Usage: benchmarks/run_conv_bench.sh [seconds-per-measurement, default 4] > log.txt
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-4}"
jdks=(/usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== machine"
lscpu | grep -E '^(Model name|CPU\(s\)|Thread\(s\) per core|Core\(s\) per socket|L1d|L2|L3)' || true
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== build"
mvn -q -B package -DskipTests
jar=target/scalespace.jar

# The peers run with glibc malloc keeping freed memory (large blocks from the heap, no trimming): PyTorch's conv2d
# allocates its output per call, and on VMs where first-touched memory is expensive (~12 µs per 4 KiB page on the
# 2-core machine) whether that memory was fresh decided its 56² dense figure (between ~60 and ~1400 Mpx/s from run
# to run); with these settings it is steady near its best. Scalespace reuses its output arrays either way.
echo "== peers (/usr/bin/python3 benchmarks/conv_peers.py, glibc malloc keeping freed memory)"
env MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=1073741824 \
  /usr/bin/python3 benchmarks/conv_peers.py --save-inputs "$tmp"

for jdk in "${jdks[@]}"; do
  [ -x "$jdk/bin/java" ] || { echo "== $jdk: not installed, skipped"; continue; }
  echo "== scalespace bench conv on $("$jdk/bin/java" -version 2>&1 | head -1)"
  for f in "$tmp"/conv_*.npy; do
    for kind in separable dense; do
      echo "-- $(basename "$f") $kind"
      LD_PRELOAD="$jdk/lib/libjsig.so" "$jdk/bin/java" --add-modules jdk.incubator.vector -cp "$jar" org.scalespace.cli.BenchCommand conv \
        --input "$f" --kind "$kind" --k 7 --backend simd --time "$secs" --warmup 2 2>&1 \
        | grep -v -E 'WARNING: Using incubator modules|using incubating module'
    done
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
