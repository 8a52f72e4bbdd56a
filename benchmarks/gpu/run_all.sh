#!/usr/bin/env bash
# The GPU check in one call: run on the device machine from the repository root with the kit (make_kit.sh) carried.
#
#   bash benchmarks/gpu/run_all.sh [--dry-run]        (OUT=folder for the results; KIT=kit folder, default gpu-kit)
#
# Steps, each under its own time budget and all under one overall deadline (450 s; a step that fails or runs out of
# time does not stop the others):
#   env         device, driver, clocks, toolchain, the kit (its size is checked: <= 60 MiB with the tree)
#   info        `scalespace info`
#   tests       the CUDA and OpenCL contract tests, -Dscalespace.requireBackends=cuda,opencl (opencl only where the
#               NVIDIA OpenCL driver is found; run_all.log says so when it is not)
#   conv        `bench conv --resident`, separable and dense, on (64,96,56,56) and ConvNeXt's four stage shapes
#   peers       benchmarks/gpu_peers.py on the same shapes: PyTorch's dense 7x7 depthwise (the kernel it picks for
#               NCHW, and cuDNN through channels-last), 1x7+7x1, and the device-to-device copy bandwidth
#   bench-fit   `bench fit` on 1M 7x7 filters (coarse only, and with refinement)
#   fit-bundled the bundled 8 filters fitted on cuda (and opencl) against scalar
#   native      native-test/ built with CMake (in the background from the start) and run
#   sanitizer   compute-sanitizer memcheck and racecheck (synccheck when time is left) on native-test's cuda_test
# Output, in $OUT (at most 8 files): summary.json (every figure with its anchor; every step's status, reason and
# seconds), run_all.log, tests.log, bench.log, peers.log, native.log.
#
# --dry-run: the same steps on a machine without a GPU (CI): CUDA steps are SKIP with the reason, OpenCL runs on
# whatever ICD is installed (PoCL), sizes are tiny, and every figure is labelled as not a GPU figure.
set -uo pipefail

# ------------------------------------------------------------------------------------------------------------------
# step bodies (run as `run_all.sh --step NAME` under `timeout`, with the environment the main part exports)
if [ "${1:-}" = "--step" ]; then
  step="$2"
  cd "$SS_ROOT" || exit 1
  kit="$SS_KIT"
  work="$SS_WORK"
  dry=$([ "$SS_MODE" = dry ] && echo 1 || echo 0)
  jrun() { LD_PRELOAD="$kit/runtime/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}" "$kit/runtime/bin/java" \
             --add-modules jdk.incubator.vector "$@"; }
  cli() { jrun -XX:+UseParallelGC -Xmn128m -jar "$kit/scalespace.jar" "$@"; }
  skip() { printf '%s\n' "$*" > "$work/skip.$step"; echo "SKIP: $*"; }
  # item STATUS NAME SECONDS REASON: one result inside a step (summary.json lists them)
  item() { printf '%s\t%s\t%s\t%s\t%s\n' "$step" "$2" "$1" "$3" "${4:-}" >> "$work/items.tsv"; }
  now() { date +%s.%N; }
  secs() { python3 -c "print(f'{$(now) - $1:.1f}')"; }
  # run_item NAME FILE CMD...: runs CMD with its output into FILE (and appended to LOG with a header), records the
  # item; a failure on a CUDA item in a dry run is a SKIP with the CLI's reason
  run_item() {
    local name="$1" file="$2" log="$3"; shift 3
    local t0 rc why
    t0=$(now)
    { echo; echo "### $name"; echo "\$ $*"; } >> "$log"
    "$@" > "$file" 2>&1
    rc=$?
    cat "$file" >> "$log"
    if [ "$rc" -eq 0 ]; then
      item PASS "$name" "$(secs "$t0")"
      return 0
    fi
    why=$(grep -v "Using incubator modules" "$file" | grep -iE "error|unavailable|fail|exception" | head -1 | cut -c1-300)
    [ -n "$why" ] || why=$(grep -v "Using incubator modules" "$file" | tail -1 | cut -c1-300)
    if [ "$dry" = 1 ] && [[ "$name" == *cuda* ]]; then
      item SKIP "$name" "$(secs "$t0")" "no GPU in a dry run: $why"
      return 0
    fi
    item FAIL "$name" "$(secs "$t0")" "exit $rc: $why"
    return 1
  }
  backends() { echo cuda; if [ -n "${SS_OPENCL:-}" ]; then echo opencl; fi; }

  case "$step" in
  env)
    echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host:     $(uname -srm), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
         "$(ldd --version 2>&1 | head -1)"
    echo "cpu:      $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
    if command -v nvidia-smi >/dev/null 2>&1; then
      q=name,driver_version,compute_cap,memory.total,clocks.sm,clocks.max.sm,clocks.mem,clocks.max.mem,pstate,power.limit,temperature.gpu,persistence_mode
      nvidia-smi --query-gpu="$q" --format=csv > "$work/nvsmi.csv" 2>&1 \
        || nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,clocks.mem,clocks.max.mem \
             --format=csv > "$work/nvsmi.csv" 2>&1
      cat "$work/nvsmi.csv"
      timeout 10 nvidia-smi -q -d CLOCK,PERFORMANCE 2>&1 | grep -vE "^=+|^$|Timestamp" | head -60
    else
      echo "nvidia-smi: not found"
    fi
    nvcc_bin=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null)
    echo "nvcc:     ${nvcc_bin:-not found} $([ -n "$nvcc_bin" ] && "$nvcc_bin" --version | tail -2 | head -1)"
    echo "sanitizer: ${SS_SANITIZER:-not found}"
    echo "python3:  $(python3 -c 'import sys; print(sys.version.split()[0])' 2>&1)," \
         "$(timeout 15 python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' 2>&1 | tail -1)"
    echo "opencl:   ${SS_OPENCL:-none}: $SS_OPENCL_WHY"
    echo "kit:      $kit"
    cat "$kit/KIT.json" 2>/dev/null || { echo "FAIL: $kit/KIT.json missing: build the kit with benchmarks/gpu/make_kit.sh and carry it"; exit 1; }
    echo
    jrun -version 2>&1 || { echo "FAIL: the kit's runtime does not run here"; exit 1; }
    # the kit is a snapshot: say when the tree's scripts or sources changed since it was built
    stale=""
    for p in native-test kernels; do diff -rq "$p" "$kit/$p" >/dev/null 2>&1 || stale="$stale $p"; done
    for p in gpu_peers.py make_fit_filters.py; do cmp -s "benchmarks/$p" "$kit/$p" || stale="$stale benchmarks/$p"; done
    if [ -n "$stale" ]; then
      echo "WARNING: the kit is older than the tree for:$stale (rebuild it with benchmarks/gpu/make_kit.sh)"
      printf '%s\n' "$stale" > "$work/kit_stale"
    fi
    # the size limit: working tree (tracked + untracked-not-ignored; without .git it is every file but the kit and
    # git-ignored build folders) plus the kit
    python3 "$SS_ROOT/benchmarks/gpu/summarize.py" sizes "$kit" > "$work/sizes.json" || exit 1
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('sizes:    tree %.2f MiB + kit %.2f MiB = %.2f MiB (limit %d MiB): %s' % (d['tree_mib'], d['kit_mib'], d['total_mib'], d['limit_mib'], 'OK' if d['within_limit'] else 'ABOVE THE LIMIT')); sys.exit(0 if d['within_limit'] else 1)" "$work/sizes.json"
    ;;
  info)
    cli info > "$work/info.txt" 2>&1
    rc=$?
    cat "$work/info.txt"
    [ "$rc" -eq 0 ] || exit "$rc"
    if [ "$dry" = 0 ] && ! grep -q "the cuda backend uses device" "$work/info.txt"; then
      echo "FAIL: the CUDA backend is unavailable on this GPU machine (see the CUDA section above)"
      exit 1
    fi
    ;;
  tests)
    # two launcher runs, CUDA then OpenCL, each with its own XML report: when the second runs out of time, the first
    # one's results are kept
    if [ "$dry" = 1 ]; then
      # a quick subset (mvn test ran them all): CUDA availability and the CUDA contract tests, which abort with the
      # reason; selection; a few OpenCL contract tests on PoCL, which is required to be available, and the test that
      # starts a fresh JVM from the test class path
      oc=org.scalespace.backend.opencl
      sel_cuda=(--select-class org.scalespace.backend.cuda.CudaAvailabilityTest
                --select-class org.scalespace.backend.cuda.CudaConvEngineTest
                --select-class org.scalespace.backend.cuda.CudaFitTest
                --select-class org.scalespace.backend.BackendsTest)
      sel_opencl=(--select-method "$oc.OpenCLConvEngineTest#pytorchVectors"
                  --select-method "$oc.OpenCLConvEngineTest#residentPathEqualsHostPath"
                  --select-method "$oc.OpenCLLifecycleTest#noInstallableClientDriverIsReportedInAFreshJvm")
    else
      sel_cuda=(--select-package org.scalespace.backend.cuda --select-class org.scalespace.backend.BackendsTest)
      sel_opencl=(--select-package org.scalespace.backend.opencl)
    fi
    fails=0
    for part in cuda opencl; do
      if [ "$part" = opencl ] && [ -z "${SS_OPENCL:-}" ]; then
        item SKIP "opencl tests" 0 "$SS_OPENCL_WHY"
        continue
      fi
      if [ "$part" = cuda ]; then sel=("${sel_cuda[@]}"); share=90; else sel=("${sel_opencl[@]}"); share=1000; fi
      left=$(python3 -c "print(int($SS_STEP_DEADLINE - $(now) - 3))")
      [ "$left" -lt "$share" ] && share="$left"
      [ "$share" -gt 5 ] || { item FAIL "$part tests" 0 "no time left in the step"; fails=$((fails + 1)); continue; }
      { echo "### $part tests: requireBackends=$SS_REQUIRE; ${sel[*]} (at most ${share}s)"; } | tee -a "$SS_OUT/tests.log"
      t0=$(now)
      # the jars on the JVM's class path (not the launcher's -cp): tests that start a fresh JVM pass java.class.path on
      timeout -k 5 "$share" env LD_PRELOAD="$kit/runtime/lib/libjsig.so${LD_PRELOAD:+:$LD_PRELOAD}" \
        "$kit/runtime/bin/java" --add-modules jdk.incubator.vector \
        -Dscalespace.requireBackends="$SS_REQUIRE" \
        -cp "$kit/junit-platform-console-standalone.jar:$kit/scalespace.jar:$kit/scalespace-tests.jar" \
        org.junit.platform.console.ConsoleLauncher execute "${sel[@]}" --details=tree --disable-banner \
        --disable-ansi-colors --reports-dir "$work/junit/$part" > "$work/tests.$part.txt" 2>&1
      rc=$?
      cat "$work/tests.$part.txt" >> "$SS_OUT/tests.log"
      grep -E "tests (successful|failed|aborted|skipped|found)|containers failed" "$work/tests.$part.txt"
      if [ "$rc" -eq 0 ]; then
        item PASS "$part tests" "$(secs "$t0")"
      elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        item FAIL "$part tests" "$(secs "$t0")" "timed out after ${share}s"; fails=$((fails + 1))
      else
        item FAIL "$part tests" "$(secs "$t0")" "exit $rc: $(grep -oE "[0-9]+ tests failed" "$work/tests.$part.txt")"
        fails=$((fails + 1))
      fi
    done
    [ "$fails" -eq 0 ]
    ;;
  conv)
    log="$SS_OUT/bench.log"
    mkdir -p "$work/conv"
    if [ "$dry" = 1 ]; then t=(--time 0.2 --warmup 0); else t=(--time 1 --warmup 0.5); fi
    fails=0
    for b in $(backends); do
      for s in $SS_SHAPES; do
        for kd in separable dense; do
          run_item "conv $b $kd $s resident" "$work/conv/$b.$kd.$s.txt" "$log" \
            cli bench conv --backend "$b" --shape "$s" --kind "$kd" --k 7 --resident "${t[@]}" || fails=$((fails + 1))
          echo "$b $kd $s: $(tail -1 "$work/items.tsv" | cut -f3) $(grep -h '^Mpx/s' "$work/conv/$b.$kd.$s.txt")"
        done
      done
    done
    [ "$fails" -eq 0 ]
    ;;
  peers)
    args=()
    for s in $SS_SHAPES; do args+=(--shape "$s"); done
    [ "$dry" = 1 ] && args+=(--reps 5)
    python3 "$kit/gpu_peers.py" "${args[@]}" --json "$work/peers.json" > "$SS_OUT/peers.log" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ] && grep -q "^SKIP" "$SS_OUT/peers.log"; then
      skip "$(grep -m1 '^SKIP' "$SS_OUT/peers.log" | sed 's/^SKIP: *//')"
    else
      cat "$SS_OUT/peers.log"
    fi
    exit "$rc"
    ;;
  bench-fit)
    log="$SS_OUT/bench.log"
    n=$([ "$dry" = 1 ] && echo 20000 || echo 1000000)
    echo "filters: $n 7x7 (benchmarks/make_fit_filters.py)"
    python3 "$kit/make_fit_filters.py" "$work/filters.npy" "$n" || exit 1
    fails=0
    if [ "$dry" = 1 ]; then
      run_item "fit cuda coarse" "$work/fit.cuda.coarse.txt" "$log" \
        cli bench fit --backend cuda --no-refine --repeat 1 "$work/filters.npy" || fails=$((fails + 1))
      run_item "fit opencl coarse" "$work/fit.opencl.coarse.txt" "$log" \
        cli bench fit --backend opencl --no-refine --repeat 1 "$work/filters.npy" || fails=$((fails + 1))
    else
      run_item "fit cuda coarse" "$work/fit.cuda.coarse.txt" "$log" \
        cli bench fit --backend cuda --no-refine --repeat 3 "$work/filters.npy" || fails=$((fails + 1))
      run_item "fit cuda refined" "$work/fit.cuda.refined.txt" "$log" \
        cli bench fit --backend cuda --repeat 2 "$work/filters.npy" || fails=$((fails + 1))
      if [ -n "${SS_OPENCL:-}" ]; then
        run_item "fit opencl coarse" "$work/fit.opencl.coarse.txt" "$log" \
          cli bench fit --backend opencl --no-refine --repeat 2 "$work/filters.npy" || fails=$((fails + 1))
      fi
    fi
    rm -f "$work/filters.npy"
    grep -h "filters/s:" "$work"/fit.*.txt 2>/dev/null
    [ "$fails" -eq 0 ]
    ;;
  fit-bundled)
    log="$SS_OUT/bench.log"
    cli fit --backend scalar -q -o "$work/bundled.scalar.csv" >> "$log" 2>&1 || { echo "FAIL: scalar fit"; exit 1; }
    fails=0
    for b in $(backends); do
      # run_item passes a CUDA failure in a dry run as a SKIP: then there is no CSV to compare
      if ! run_item "bundled $b" "$work/bundled.$b.txt" "$log" cli fit --backend "$b" -q -o "$work/bundled.$b.csv"; then
        fails=$((fails + 1))
      elif [ -f "$work/bundled.$b.csv" ]; then
        python3 "$SS_ROOT/benchmarks/gpu/summarize.py" compare-fit "$work/bundled.scalar.csv" "$work/bundled.$b.csv" \
          > "$work/bundled.$b.cmp" || fails=$((fails + 1))
        echo "$b vs scalar: $(cat "$work/bundled.$b.cmp")"
      else
        echo "$b: $(tail -1 "$work/items.tsv" | cut -f3,5)"
      fi
    done
    [ "$fails" -eq 0 ]
    ;;
  native-build)
    nt="$work/nt"
    cuda_arch=""
    if [ -n "${SS_CUDA_ARCH:-}" ]; then cuda_arch="-DCMAKE_CUDA_ARCHITECTURES=$SS_CUDA_ARCH"; fi
    nvcc_bin=$(command -v nvcc || ls /usr/local/cuda/bin/nvcc 2>/dev/null)
    cmake -S "$kit/native-test" -B "$nt" -DCMAKE_BUILD_TYPE=Release \
      -DOpenCL_INCLUDE_DIR="$kit/ocl/include" -DOpenCL_LIBRARY="$kit/ocl/lib/libOpenCL.so.1" \
      ${nvcc_bin:+-DCMAKE_CUDA_COMPILER="$nvcc_bin"} $cuda_arch && cmake --build "$nt" -j "$(nproc)"
    ;;
  native)
    nt="$work/nt"
    # the build ran in the background from the start; wait for it here
    while [ ! -f "$work/native-build.rc" ]; do sleep 1; done
    brc=$(cat "$work/native-build.rc")
    cat "$work/native-build.log" >> "$SS_OUT/native.log"
    [ "$brc" -eq 0 ] || { echo "FAIL: native-test build (exit $brc; native.log)"; item FAIL build 0 "exit $brc"; exit 1; }
    item PASS build 0
    fails=0
    # native_test NAME: runs native-test's program, whose last line is PASS, FAIL or SKIP (no device)
    native_test() {
      local name="$1" t0 rc last
      t0=$(now)
      { echo; echo "### $name"; } >> "$SS_OUT/native.log"
      "$nt/$name" > "$work/$name.txt" 2>&1
      rc=$?
      cat "$work/$name.txt" >> "$SS_OUT/native.log"
      last=$(tail -1 "$work/$name.txt")
      echo "$name: $last (exit $rc)"
      if [ "$rc" -eq 0 ] && [[ "$last" == PASS* ]]; then
        item PASS "$name" "$(secs "$t0")"
      elif [ "$rc" -eq 0 ] && [[ "$last" == SKIP* ]] && [ "$dry" = 1 ]; then
        item SKIP "$name" "$(secs "$t0")" "$last"
      else
        item FAIL "$name" "$(secs "$t0")" "exit $rc: $last"
        return 1
      fi
    }
    if [ ! -x "$nt/opencl_test" ]; then
      item FAIL opencl_test 0 "not built (native.log)"; fails=$((fails + 1))
    elif [ -n "${SS_OPENCL:-}" ]; then
      native_test opencl_test || fails=$((fails + 1))
    else
      item SKIP opencl_test 0 "$SS_OPENCL_WHY"
    fi
    if [ -x "$nt/cuda_test" ]; then
      native_test cuda_test || fails=$((fails + 1))
    elif [ "$dry" = 1 ]; then
      item SKIP cuda_test 0 "not built: CMake found no CUDA compiler"
    else
      item FAIL cuda_test 0 "not built: CMake found no CUDA compiler"; fails=$((fails + 1))
    fi
    [ "$fails" -eq 0 ]
    ;;
  sanitizer)
    nt="$work/nt"
    log="$SS_OUT/native.log"
    [ -n "${SS_SANITIZER:-}" ] || { skip "compute-sanitizer not found (PATH, /usr/local/cuda/bin, /usr/local/cuda/compute-sanitizer)"; exit 0; }
    [ -x "$nt/cuda_test" ] || { skip "native-test's cuda_test was not built (see the native step)"; exit 0; }
    if [ "$dry" = 1 ] && grep -q "^SKIP" "$work/cuda_test.txt" 2>/dev/null; then
      skip "no CUDA device: $(grep -m1 '^SKIP' "$work/cuda_test.txt")"; exit 0
    fi
    fails=0
    tools="memcheck racecheck"
    [ "$(python3 -c "print(int($SS_DEADLINE - $(now)))")" -gt 90 ] && tools="$tools synccheck"
    for tool in $tools; do
      left=$(python3 -c "print(int($SS_DEADLINE - $(now) - 5))")
      [ "$left" -gt 10 ] || { item SKIP "$tool" 0 "no time left in the overall budget"; continue; }
      t0=$(now)
      { echo; echo "### compute-sanitizer --tool $tool cuda_test"; } >> "$log"
      timeout -k 5 "$left" "$SS_SANITIZER" --tool "$tool" --error-exitcode 3 "$nt/cuda_test" > "$work/san.$tool.txt" 2>&1
      rc=$?
      head -c 4000000 "$work/san.$tool.txt" >> "$log"
      summ=$(grep -E "ERROR SUMMARY|RACECHECK SUMMARY|SYNCCHECK SUMMARY" "$work/san.$tool.txt" | tail -1)
      found=$(echo "$summ" | grep -oE "[0-9]+ (errors?|hazards?)" | head -1 | grep -oE "^[0-9]+")
      # how a sanitizer that cannot attach to the device says so (gVisor: "Device not supported", error 999)
      refusal=$(grep -m1 -iE "Device not supported|error 999|Unable to find injection|not supported on this|CUDA_ERROR_UNKNOWN|unknown error" "$work/san.$tool.txt")
      if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        item FAIL "$tool" "$(secs "$t0")" "timed out after ${left}s"; fails=$((fails + 1))
      elif [ "${found:-0}" -gt 0 ]; then
        item FAIL "$tool" "$(secs "$t0")" "exit $rc: $summ"; fails=$((fails + 1))
      elif [ "$rc" -eq 0 ] && grep -q "^PASS" "$work/san.$tool.txt"; then
        item PASS "$tool" "$(secs "$t0")" "$summ"
      elif [ -n "$refusal" ] && grep -q "^PASS" "$work/cuda_test.txt" 2>/dev/null; then
        # cuda_test passed without the sanitizer, so this is the sanitizer refusing the device, not a kernel fault
        item SKIP "$tool" "$(secs "$t0")" "the sanitizer refuses the device here: $(echo "$refusal" | cut -c1-200)"
      else
        item FAIL "$tool" "$(secs "$t0")" "exit $rc: ${summ:-$(tail -1 "$work/san.$tool.txt")}"; fails=$((fails + 1))
      fi
      echo "$tool: $(tail -1 "$work/items.tsv" | cut -f3,5)"
    done
    if [ "$fails" -eq 0 ] && ! awk -F'\t' '$1 == "sanitizer" && $3 == "PASS"' "$work/items.tsv" | grep -q .; then
      skip "$(awk -F'\t' '$1 == "sanitizer" && $3 == "SKIP" {print $2 ": " $5; exit}' "$work/items.tsv")"
    fi
    [ "$fails" -eq 0 ]
    ;;
  imagecheck)
    # a kit runtime without java.desktop must refuse images with one line (a kit that kept the module: SKIP)
    if jrun --list-modules 2>/dev/null | grep -q "^java.desktop@"; then
      skip "the kit's runtime has java.desktop ($(python3 -c "import json,sys; print(json.load(open(sys.argv[1])).get('java_desktop_why',''))" "$kit/KIT.json"))"
      exit 0
    fi
    printf 'P5\n1 1\n255\n\0' > "$work/tiny.pgm"
    cp "$work/tiny.pgm" "$work/tiny.png"
    cli convolve "$work/tiny.png" --sigma 1 --out "$work/tiny.out.png" > "$work/image.txt" 2>&1
    rc=$?
    cat "$work/image.txt"
    [ "$rc" -eq 2 ] && grep -q "needs the Java module java.desktop\|need the Java module java.desktop" "$work/image.txt" \
      && [ "$(grep -vc "Using incubator modules" "$work/image.txt")" -eq 1 ]
    ;;
  *) echo "run_all: unknown step $step" >&2; exit 2 ;;
  esac
  exit $?
fi

# ------------------------------------------------------------------------------------------------------------------
# the main part
cd "$(dirname "$0")/../.." || exit 1
root="$(pwd)"
mode=gpu
for a in "$@"; do
  case "$a" in
    --dry-run) mode=dry ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "run_all: unknown argument '$a' (accepted: --dry-run)" >&2; exit 2 ;;
  esac
done
kit="${KIT:-gpu-kit}"
[ -d "$kit" ] && kit="$(cd "$kit" && pwd)"
if [ -z "${OUT:-}" ]; then
  if [ "$mode" = dry ]; then OUT=/tmp/ss-gpu-dry-run; else echo "run_all: set OUT to the results folder" >&2; exit 2; fi
fi
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
rm -f "$OUT"/summary.json "$OUT"/run_all.log "$OUT"/tests.log "$OUT"/bench.log "$OUT"/peers.log "$OUT"/native.log
work="$(mktemp -d /tmp/ss-gpu.XXXXXX)"
# the executables of the kit's runtime, in case the transfer dropped their mode bits
chmod +x "$kit"/runtime/bin/* "$kit"/runtime/lib/jspawnhelper "$kit"/runtime/lib/jexec 2>/dev/null
exec > >(tee -a "$OUT/run_all.log") 2>&1
tee_pid=$!
start=$(date +%s.%N)
total=$([ "$mode" = dry ] && echo 420 || echo 450)
deadline=$(python3 -c "print($start + $total)")

# OpenCL: the kit's ICD loader; on a GPU machine, the NVIDIA OpenCL driver wherever the driver lives
export LD_LIBRARY_PATH="$kit/ocl/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
SS_OPENCL=""
SS_OPENCL_WHY=""
if [ "$mode" = gpu ]; then
  icd=""
  for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
    [ -e "$d/libnvidia-opencl.so.1" ] && { icd="$d/libnvidia-opencl.so.1"; break; }
  done
  [ -n "$icd" ] || icd=$(ldconfig -p 2>/dev/null | awk '/libnvidia-opencl\.so\.1/ {print $NF; exit}')
  if [ -n "$icd" ]; then
    mkdir -p /tmp/ss-ocl-vendors
    echo "$icd" > /tmp/ss-ocl-vendors/nvidia.icd
    export OCL_ICD_VENDORS=/tmp/ss-ocl-vendors
    export SCALESPACE_OPENCL_PLATFORM=nvidia
    SS_OPENCL=nvidia
    SS_OPENCL_WHY="NVIDIA OpenCL driver $icd, through the kit's ICD loader (OCL_ICD_VENDORS=/tmp/ss-ocl-vendors)"
  else
    SS_OPENCL_WHY="OpenCL on NVIDIA is not available here: no libnvidia-opencl.so.1 in /usr/local/nvidia/lib64, /usr/lib/x86_64-linux-gnu or ldconfig -p; the OpenCL steps are skipped"
  fi
  SS_REQUIRE=$([ -n "$SS_OPENCL" ] && echo cuda,opencl || echo cuda)
  SS_SHAPES="64,96,56,56 8,96,56,56 8,192,28,28 8,384,14,14 8,768,7,7"
else
  if ls /etc/OpenCL/vendors/*.icd >/dev/null 2>&1; then
    SS_OPENCL=cpu
    SS_OPENCL_WHY="dry run: the installed ICDs ($(ls /etc/OpenCL/vendors | paste -sd' ')) through the kit's ICD loader"
  else
    SS_OPENCL_WHY="dry run: no OpenCL ICD installed (/etc/OpenCL/vendors is empty)"
  fi
  SS_REQUIRE=$([ -n "$SS_OPENCL" ] && echo opencl || echo "")
  SS_SHAPES="2,96,56,56 1,384,14,14"
fi
SS_SANITIZER=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer \
  /usr/local/cuda/compute-sanitizer/compute-sanitizer 2>/dev/null | head -1)
SS_CUDA_ARCH=""
if command -v nvidia-smi >/dev/null 2>&1; then
  SS_CUDA_ARCH=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -1 | tr -d ' .')
  [[ "$SS_CUDA_ARCH" =~ ^[0-9]+$ ]] || SS_CUDA_ARCH=""
fi
[ -n "$SS_CUDA_ARCH" ] || SS_CUDA_ARCH=$([ "$mode" = dry ] && echo 80 || echo "")
export SS_ROOT="$root" SS_KIT="$kit" SS_WORK="$work" SS_OUT="$OUT" SS_MODE="$mode" SS_DEADLINE="$deadline" \
  SS_OPENCL SS_OPENCL_WHY SS_REQUIRE SS_SHAPES SS_SANITIZER SS_CUDA_ARCH
: > "$work/steps.tsv"
: > "$work/items.tsv"

echo "run_all: $mode run, kit $kit, results in $OUT, overall budget ${total}s$([ "$mode" = dry ] && echo ' (DRY RUN: no figure is a GPU figure)')"
echo "run_all: opencl: $SS_OPENCL_WHY"

summarize() {
  python3 "$root/benchmarks/gpu/summarize.py" summary "$work" "$OUT" "$mode" "$start" "$kit" > /dev/null \
    || echo "run_all: summarize.py failed"
}

# run_step NAME BUDGET: the step under min(BUDGET, time left), its status into steps.tsv
run_step() {
  local name="$1" budget="$2" left t0 rc status reason
  left=$(python3 -c "print(int($deadline - $(date +%s.%N) - 8))")
  [ "$left" -lt "$budget" ] && budget="$left"
  echo
  echo "=== $name (budget ${budget}s)"
  if [ "$budget" -lt 5 ]; then
    printf '%s\tSKIP\t0\t%s\t%s\n' "$name" "$2" "no time left in the overall ${total}s budget" >> "$work/steps.tsv"
    echo "SKIP: no time left"
    return
  fi
  t0=$(date +%s.%N)
  SS_STEP_DEADLINE=$(python3 -c "print($t0 + $budget)") timeout -k 5 "$budget" bash "$0" --step "$name"
  rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    status=FAIL; reason="timed out after ${budget}s"
  elif [ -f "$work/skip.$name" ]; then
    status=SKIP; reason=$(head -c 400 "$work/skip.$name")
    [ "$rc" -eq 0 ] || { status=FAIL; reason="exit $rc after: $reason"; }
  elif [ "$rc" -eq 0 ]; then
    status=PASS; reason=""
  else
    status=FAIL
    reason="exit $rc$(awk -F'\t' -v s="$name" '$1 == s && $3 == "FAIL" {printf "; %s: %s", $2, $5}' "$work/items.tsv" | head -c 600)"
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$status" "$(python3 -c "print(f'{$(date +%s.%N) - $t0:.1f}')")" "$budget" \
    "$reason" >> "$work/steps.tsv"
  echo "--- $name: $status${reason:+ ($reason)}"
  summarize
}

run_step env 30
# native-test builds on the CPUs while the JVM steps run
(
  timeout -k 5 200 bash "$0" --step native-build > "$work/native-build.log" 2>&1
  echo $? > "$work/native-build.rc"
) &
native_pid=$!
run_step info 30
run_step tests 170
run_step conv 150
run_step peers 60
run_step bench-fit 90
run_step fit-bundled 40
run_step imagecheck 15
run_step native 90
run_step sanitizer 200
wait "$native_pid" 2>/dev/null

python3 "$root/benchmarks/gpu/summarize.py" summary "$work" "$OUT" "$mode" "$start" "$kit" --final
rc=$?
rm -rf "$work"
exec >&- 2>&-
wait "$tee_pid" 2>/dev/null
exit "$rc"
