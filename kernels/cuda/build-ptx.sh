#!/usr/bin/env bash
# Builds the PTX variants of kernels/cuda/*.cu into OUT_DIR (the Maven build puts them in target/classes/cuda/).
#
#   kernels/cuda/build-ptx.sh OUT_DIR [NVCC]
#
# PTX ISA policy (docs/cuda.md): the bundled PTX must carry `.version` <= 8.0 so that drivers older than the
# toolkit (CUDA 12.0+) can JIT it. nvcc 13 always writes `.version 9.0` and has no option to choose the ISA, so:
#   1. compile for the lowest virtual architecture nvcc 13 accepts (compute_75);
#   2. set `.version 8.0` when nvcc wrote a newer one, and drop `.pragma "used_bytes_mask N";` lines (an
#      optimisation hint for vector loads that needs ISA 8.3; removing it does not change what the code computes);
#   3. assemble every file with ptxas for sm_75, sm_80 and sm_90: a PTX that uses anything newer than ISA 8.0 fails
#      here ("requires PTX ISA .version X or later") and fails the build. The Java tests assemble it once more with
#      the PTX compiler bundled in JCuda (CUDA 12.6), an older toolchain than nvcc 13.
# Writes OUT_DIR/ptx.properties (variants, nvcc version, ISA). Skips work when the outputs are newer than the sources.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: build-ptx.sh OUT_DIR [NVCC]}"
nvcc="${2:-nvcc}"
arch="${SCALESPACE_PTX_ARCH:-compute_75}"
isa_max="8.0"
mkdir -p "$out"

if ! command -v "$nvcc" >/dev/null 2>&1; then
  echo "build-ptx: $nvcc not found; no PTX in this build (the CUDA backend will say so)" >&2
  exit 0
fi
ptxas="$(dirname "$(command -v "$nvcc")")/ptxas"
command -v "$ptxas" >/dev/null 2>&1 || ptxas="ptxas"

# variant name | -D flags
variants=()
for m in 0 1 2 3; do
  for t in 0 1; do
    variants+=("fit_m${m}_t${t}|-DSS_MODE=$m -DSS_LOCAL_TABLES=$t")
    variants+=("fit_m${m}_t${t}_k7|-DSS_MODE=$m -DSS_LOCAL_TABLES=$t -DSS_K=7")
  done
done
for b in 0 1 2; do
  variants+=("conv_b${b}|-DSS_BORDER=$b")
  variants+=("conv_b${b}_r3|-DSS_BORDER=$b -DSS_R=3")
done

newest_src="$(ls -t "$here"/*.cu "$here"/../common/*.h "$0" | head -1)"
stamp="$out/ptx.properties"
if [ -f "$stamp" ] && [ "$stamp" -nt "$newest_src" ]; then
  echo "build-ptx: up to date ($out)"
  exit 0
fi

build_one() {
  local name="$1" flags="$2" src
  src="$here/${name%%_*}.cu"
  # shellcheck disable=SC2086
  "$nvcc" -ptx -arch="$arch" -std=c++14 -diag-suppress 83 $flags -o "$out/$name.ptx.tmp" "$src"
  sed -i -e "s/^\.version [0-9]*\.[0-9]*$/.version $isa_max/" -e '/^[[:space:]]*\.pragma "used_bytes_mask [0-9]*";$/d' \
    "$out/$name.ptx.tmp"
  # only ever lower: refuse a PTX whose .version we could not find
  grep -q "^\.version $isa_max$" "$out/$name.ptx.tmp" || { echo "build-ptx: no .version line in $name" >&2; return 1; }
  for sm in sm_75 sm_80 sm_90; do
    "$ptxas" -arch="$sm" -o /dev/null "$out/$name.ptx.tmp" || { echo "build-ptx: ptxas $sm rejects $name" >&2; return 1; }
  done
  mv "$out/$name.ptx.tmp" "$out/$name.ptx"
}
export -f build_one
export here out nvcc arch isa_max ptxas

jobs="${SCALESPACE_PTX_JOBS:-2}"
printf '%s\n' "${variants[@]}" | tr '|' '\t' | xargs -P "$jobs" -L 1 -d '\n' bash -c 'IFS=$'"'"'\t'"'"' read -r n f <<< "$0"; build_one "$n" "$f"'

{
  echo "# written by kernels/cuda/build-ptx.sh"
  echo "nvcc=$("$nvcc" --version | tail -1)"
  echo "arch=$arch"
  echo "isa=$isa_max"
  echo "variants=$(printf '%s\n' "${variants[@]}" | cut -d'|' -f1 | tr '\n' ' ' | sed 's/ $//')"
} > "$stamp"
echo "build-ptx: ${#variants[@]} PTX files in $out (ISA $isa_max, $arch, assembled for sm_75/sm_80/sm_90)"
