#!/usr/bin/env bash
# Alternating (ABBA) runs of `bench fit` and `bench conv` on two builds of scalespace.jar, for checking that a change
# which should not move speed did not. Usage, from the repository root:
#   benchmarks/run_ab_jars.sh OLD.jar NEW.jar [ROUNDS=4] [FILTERS=100000]
# Filters come from benchmarks/make_fit_filters.py (Debian's /usr/bin/python3 with numpy); JAVA picks the JDK.
set -euo pipefail
old=$1; new=$2; rounds=${3:-4}; n=${4:-100000}
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$here/benchmarks/make_fit_filters.py" "$work/filters.npy" "$n"
echo "# $(date -u +%FT%TZ) $(lscpu | sed -n 's/^Model name: *//p'), $("${JAVA:-java}" -version 2>&1 | head -1)"
run() { SCALESPACE_JAR=$1 "$here/scalespace" "${@:2}" 2>&1; }
one() {
  local jar=$1 tag=$2 f s d
  f=$(run "$jar" bench fit "$work/filters.npy" | awk '/^filters\/s/ {print $2}')
  s=$(run "$jar" bench conv --shape 8,96,56,56 --kind separable --time 3 | awk '/^Mpx\/s/ {print $2}')
  d=$(run "$jar" bench conv --shape 8,96,56,56 --kind dense --time 3 | awk '/^Mpx\/s/ {print $2}')
  echo "$tag fit=$f sep56=$s dense56=$d"
}
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then one "$old" old; one "$new" new; else one "$new" new; one "$old" old; fi
done
