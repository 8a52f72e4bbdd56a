#!/usr/bin/env bash
# Dense 7×7 depthwise convolution and 7-tap separable smoothing on the feature-map shapes of ConvNeXt's four stages
# at 224² input, batch 8: (8,96,56,56), (8,192,28,28), (8,384,14,14), (8,768,7,7). PyTorch's dense F.conv2d (the
# fastest peer on these shapes) first, then `bench conv` on JDK 17 and JDK 25, in one run.
# Usage: benchmarks/run_convnext_stages.sh [seconds-per-measurement, default 3] > log.txt
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-3}"
jdks=(/usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/temurin-25-jdk-amd64)
shapes=(8,96,56,56 8,192,28,28 8,384,14,14 8,768,7,7)
echo "== machine"
lscpu | grep -E '^(Model name|CPU\(s\))' || true
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
mvn -q -B package -DskipTests
echo "== PyTorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') dense 7x7 F.conv2d(padding=3, groups=C), 2 threads, median (glibc malloc keeping freed memory, as run_conv_bench.sh)"
env MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296 MALLOC_TOP_PAD_=1073741824 \
  /usr/bin/python3 - "$secs" "${shapes[@]}" <<'PY'
import sys, time
import numpy as np, torch
import torch.nn.functional as F
torch.set_num_threads(2)
secs = float(sys.argv[1])
for s in sys.argv[2:]:
    n, c, h, w = map(int, s.split(","))
    x = torch.from_numpy(np.random.default_rng(1).standard_normal((n, c, h, w), dtype=np.float32))
    k = torch.from_numpy(np.random.default_rng(2).standard_normal((c, 1, 7, 7), dtype=np.float32))
    for _ in range(20):
        F.conv2d(x, k, padding=3, groups=c)
    ts = []
    end = time.perf_counter() + secs
    while time.perf_counter() < end or len(ts) < 5:
        t0 = time.perf_counter()
        F.conv2d(x, k, padding=3, groups=c)
        ts.append(time.perf_counter() - t0)
    ts.sort()
    print("peer torch dense 7x7 shape %-14s Mpx/s: %8.1f" % (s, x.numel() / ts[len(ts) // 2] / 1e6))
PY
for jdk in "${jdks[@]}"; do
  [ -x "$jdk/bin/java" ] || { echo "== $jdk: not installed, skipped"; continue; }
  echo "== scalespace bench conv on $("$jdk/bin/java" -version 2>&1 | head -1)"
  for s in "${shapes[@]}"; do
    for kind in dense separable; do
      r=$("$jdk/bin/java" --add-modules jdk.incubator.vector -cp target/scalespace.jar org.scalespace.cli.BenchCommand \
        conv --shape "$s" --kind "$kind" --k 7 --backend simd --time "$secs" --warmup 2 2>&1 | tail -1)
      echo "$kind shape $s $r"
    done
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
