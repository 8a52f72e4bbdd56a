#!/usr/bin/env bash
# Builds the GPU kit: everything a GPU machine without Maven, a JDK or network needs to run
# benchmarks/gpu/run_all.sh, in one git-ignored folder (default gpu-kit/ at the repository root) that travels next to
# the working tree.
#
#   benchmarks/gpu/make_kit.sh [--no-build] [--kit DIR]
#
# Contents:
#   scalespace.jar (self-contained, PTX inside), scalespace-tests.jar, junit-platform-console-standalone.jar
#     (`mvn package -DskipTests -Pgpu-kit`; --no-build reuses target/ as it is);
#   runtime/   a jlink runtime of the modules the jars need (jdeps), compressed, without debug attributes, headers or
#              man pages. java.desktop (image I/O only) is left out unless the CLI cannot start without it;
#   ocl/       the OpenCL ICD loader (Debian's ocl-icd-libopencl1) and the Khronos C headers, for the JVM and for
#              native-test/ where the GPU machine has neither;
#   native-test/, kernels/, gpu_peers.py, make_fit_filters.py: copies of the tree's, so the kit is one snapshot;
#   KIT.json   what was built, from which commit, with which modules, and the sizes.
# Then it prints the size of everything that travels (the working tree, i.e. tracked plus untracked-not-ignored files,
# and the kit) and fails when the sum exceeds 60 MiB (the device machine takes 64 MiB in all).
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$(pwd)"
kit="gpu-kit"
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --kit) kit="$2"; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "make_kit: unknown argument '$1' (accepted: --no-build, --kit DIR)" >&2; exit 2 ;;
  esac
  shift
done
limit_mib=60
py=python3
command -v "$py" >/dev/null || { echo "make_kit: python3 not found" >&2; exit 1; }
for tool in jlink jdeps; do
  command -v "$tool" >/dev/null || { echo "make_kit: $tool not found (a JDK 17 is needed)" >&2; exit 1; }
done

# ---- the jars
if [ "$build" = 1 ]; then
  echo "make_kit: mvn -B -q package -DskipTests -Pgpu-kit"
  # shellcheck disable=SC2086
  mvn -B -q ${MAVEN_ARGS_EXTRA:-} package -DskipTests -Pgpu-kit
fi
for f in target/scalespace.jar target/scalespace-tests.jar target/junit-platform-console-standalone.jar; do
  [ -f "$f" ] || { echo "make_kit: $f missing (build with: mvn -B package -DskipTests -Pgpu-kit)" >&2; exit 1; }
done
nptx=$(unzip -l target/scalespace.jar | grep -c 'cuda/.*\.ptx$' || true)
if [ "$nptx" -eq 0 ]; then
  echo "make_kit: target/scalespace.jar has no PTX (built without nvcc): the CUDA backend could not run from this kit;" \
       "build where /usr/local/cuda/bin/nvcc exists or pass -Dnvcc=PATH via MAVEN_ARGS_EXTRA" >&2
  exit 1
fi

rm -rf "$kit"
mkdir -p "$kit"
cp target/scalespace.jar target/scalespace-tests.jar target/junit-platform-console-standalone.jar "$kit/"

# ---- the runtime: the modules jdeps finds, plus jdk.zipfs (the console launcher reads the test jar through the zip
# file system; without it it finds 0 tests), java.xml (its XML reports, which run_all.sh reads) and jdk.unsupported
# (sun.misc.Unsafe for libraries that look for it)
deps=$(jdeps --multi-release 17 --ignore-missing-deps --print-module-deps \
  target/scalespace.jar target/junit-platform-console-standalone.jar 2>/dev/null | tail -1)
# java.sql is only JUnit's shaded CSV parser's JDBC routines, which the tests never load
mods=$(echo "$deps,java.logging,java.xml,jdk.zipfs,jdk.unsupported" | tr ',' '\n' | grep -vx -e java.sql -e '' | sort -u | paste -sd,)
lean=$(echo "$mods" | tr ',' '\n' | grep -vx java.desktop | paste -sd,)
jlink_rt() {
  rm -rf "$kit/runtime"
  jlink --add-modules "$1" --compress=2 --strip-debug --no-header-files --no-man-pages --output "$kit/runtime" \
    2>&1 | grep -v "Using incubator modules" || true
  [ -x "$kit/runtime/bin/java" ] || { echo "make_kit: jlink failed" >&2; exit 1; }
}
desktop="dropped"
desktop_why="only image I/O (ImageIO) needs java.desktop; the kit's CLI says so when asked for an image"
jlink_rt "$lean"
# The CLI must start without java.desktop: picocli reflects on every command class, and a command class whose
# methods or bytecode name java.awt types cannot be linked without the module.
smoke=$("$kit/runtime/bin/java" --add-modules jdk.incubator.vector -jar "$kit/scalespace.jar" --version 2>&1) || true
if echo "$smoke" | grep -q "NoClassDefFoundError: java/awt\|ClassNotFoundException: java.awt\|javax/imageio"; then
  who=$(jdeps --multi-release 17 --ignore-missing-deps -verbose:class target/scalespace.jar 2>/dev/null \
    | grep -E -e "-> (java\.awt|javax\.imageio)" | awk '{print $1}' | sort -u | paste -sd' ')
  desktop="kept"
  desktop_why="the CLI cannot start without it: ${who:-some class} names java.awt/javax.imageio types and picocli links every command class at start; image I/O in a class of its own would let the kit drop it"
  echo "make_kit: java.desktop kept: $desktop_why"
  jlink_rt "$mods"
else
  echo "make_kit: java.desktop dropped ($desktop_why)"
fi
"$kit/runtime/bin/java" --add-modules jdk.incubator.vector -jar "$kit/scalespace.jar" --version >/dev/null 2>&1 \
  || { echo "make_kit: the kit's runtime cannot run scalespace.jar --version:" >&2;
       "$kit/runtime/bin/java" --add-modules jdk.incubator.vector -jar "$kit/scalespace.jar" --version >&2; exit 1; }
# links (Debian's JDK links its legal notices to /usr/share) become plain copies: a link may not survive the transfer,
# and one to an absolute path would dangle on the GPU machine
find "$kit/runtime" -type l | while read -r l; do
  t=$(readlink -f "$l" || true)
  if [ -n "$t" ] && [ -f "$t" ]; then cp --remove-destination "$t" "$l"; else rm -f "$l"; fi
done
rt_mods=$("$kit/runtime/bin/java" --list-modules 2>/dev/null | sed 's/@.*//' | paste -sd,)

# ---- OpenCL ICD loader and headers (libOpenCL.so for JOCL, which dlopens that name, and libOpenCL.so.1 for
# native-test; real copies, not links, so they travel whatever the transfer does with links)
ocl_tmp=$(mktemp -d)
trap 'rm -rf "$ocl_tmp"' EXIT
ocl_src="apt-get download"
if ! (cd "$ocl_tmp" && apt-get download ocl-icd-libopencl1 opencl-c-headers >/dev/null 2>&1); then
  ocl_src=""
fi
mkdir -p "$kit/ocl/lib" "$kit/ocl/include"
if [ -n "$ocl_src" ]; then
  for deb in "$ocl_tmp"/*.deb; do dpkg -x "$deb" "$ocl_tmp/x"; done
  lib=$(find "$ocl_tmp/x" -name 'libOpenCL.so.1*' -type f | head -1)
  inc="$ocl_tmp/x/usr/include/CL"
else
  # no network: the same packages' files where they are installed here
  ocl_src="installed packages"
  lib=$(readlink -f /usr/lib/x86_64-linux-gnu/libOpenCL.so.1 2>/dev/null || true)
  inc=/usr/include/CL
fi
if [ -z "${lib:-}" ] || [ ! -f "$lib" ] || [ ! -f "$inc/cl.h" ]; then
  echo "make_kit: could not get the OpenCL ICD loader and headers (apt-get download ocl-icd-libopencl1" \
       "opencl-c-headers failed, and they are not installed here)" >&2
  exit 1
fi
cp "$lib" "$kit/ocl/lib/libOpenCL.so.1"
cp "$lib" "$kit/ocl/lib/libOpenCL.so"
cp -r "$inc" "$kit/ocl/include/CL"
ocl_ver=$(basename "$lib")

# ---- the sources the device machine builds and the peer scripts, as of this build
cp -r native-test kernels "$kit/"
cp benchmarks/gpu_peers.py benchmarks/make_fit_filters.py "$kit/"

# ---- KIT.json and the sizes
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo true || echo false)
jdk=$("$kit/runtime/bin/java" -version 2>&1 | head -1)
KIT="$kit" LIMIT_MIB="$limit_mib" COMMIT="$commit" DIRTY="$dirty" JDK="$jdk" MODS="$rt_mods" DESKTOP="$desktop" \
DESKTOP_WHY="$desktop_why" NPTX="$nptx" OCL_SRC="$ocl_src" OCL_VER="$ocl_ver" "$py" - <<'PY'
import json, os, subprocess, sys, time
kit = os.environ["KIT"]
limit = int(os.environ["LIMIT_MIB"]) * 1024 * 1024

def tree_bytes():
    # what the device machine copies: tracked files plus untracked files git does not ignore (the kit is ignored)
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         capture_output=True, check=True).stdout
    total = n = 0
    for p in sorted(set(out.decode("utf-8", "surrogateescape").split("\0"))):
        if p and os.path.lexists(p) and not os.path.isdir(p):
            total += os.lstat(p).st_size
            n += 1
    return total, n

def dir_bytes(d):
    total = n = 0
    for base, dirs, files in os.walk(d):
        for f in files:
            total += os.lstat(os.path.join(base, f)).st_size
            n += 1
    return total, n

tree, ntree = tree_bytes()
info = {
    "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "commit": os.environ["COMMIT"], "dirty": os.environ["DIRTY"] == "true",
    "jdk": os.environ["JDK"], "modules": os.environ["MODS"].split(","),
    "java_desktop": os.environ["DESKTOP"], "java_desktop_why": os.environ["DESKTOP_WHY"],
    "ptx_files": int(os.environ["NPTX"]),
    "opencl_icd_loader": os.environ["OCL_VER"] + " (from " + os.environ["OCL_SRC"] + ")",
    "limit_mib": limit // (1024 * 1024),
}
path = os.path.join(kit, "KIT.json")
json.dump(info, open(path, "w"), indent=1)
kit_b, nkit = dir_bytes(kit)
parts = {"runtime": dir_bytes(os.path.join(kit, "runtime"))[0]}
for f in ("scalespace.jar", "scalespace-tests.jar", "junit-platform-console-standalone.jar"):
    parts[f] = os.path.getsize(os.path.join(kit, f))
parts["rest (ocl, native-test, kernels, scripts)"] = kit_b - sum(parts.values())
total = tree + kit_b
mib = lambda b: b / 1048576
print("make_kit: what travels to the device machine")
print(f"  working tree     {tree:>11,} bytes {mib(tree):7.2f} MiB  ({ntree} files: tracked + untracked-not-ignored)")
print(f"  kit {kit + '/':12s} {kit_b:>11,} bytes {mib(kit_b):7.2f} MiB  ({nkit} files)")
for k, v in parts.items():
    print(f"    {k:38s} {mib(v):7.2f} MiB")
print(f"  total            {total:>11,} bytes {mib(total):7.2f} MiB  (limit {limit // 1048576} MiB; the device takes 64)")
print(f"  modules: {', '.join(info['modules'])}; java.desktop {info['java_desktop']}")
print(f"  commit {info['commit']}{' (uncommitted changes in tracked files)' if info['dirty'] else ''}, "
      f"{info['ptx_files']} PTX files, {info['jdk']}")
if total > limit:
    print(f"make_kit: FAIL: {mib(total):.2f} MiB travels, above the {limit // 1048576} MiB limit", file=sys.stderr)
    sys.exit(1)
print(f"make_kit: OK; device call: command 'bash benchmarks/gpu/run_all.sh', carry [\"{kit}\"], timeout_s 480")
PY
