#!/usr/bin/env bash
# Fetches the real TF.js models that TfjsReaderTest reads (the weights manifests and .bin shards of face-api's models,
# from the npm package @vladmandic/face-api at a pinned version and SHA-1; face-api.js itself no longer ships its
# weights in the npm package) into DIR (default target/models/tfjs). About 12.7 MB of download, 12 MB kept; files
# already there are kept. Never fails: when the package cannot be fetched or does not match its checksum it says so
# and the tests that need the models skip with the reason.
#   bash tools/fetch_tfjs_models.sh [DIR]
set -uo pipefail
dir="${1:-target/models/tfjs}"
mkdir -p "$dir" || exit 0
spec="@vladmandic/face-api@1.7.15"
sha="10cddf5c405f6f52f37605c9ee28c91ac6a23ead"
models="tiny_face_detector_model face_landmark_68_tiny_model ssd_mobilenetv1_model face_recognition_model"
files=""
for m in $models; do files="$files model/$m-weights_manifest.json model/$m.bin"; done
have=1
for f in $files; do [ -f "$dir/$(basename "$f")" ] || have=0; done
[ "$have" = 1 ] && exit 0
tmp="$(mktemp -d)"
ok=0
if command -v npm >/dev/null 2>&1; then
  (cd "$tmp" && timeout 180 npm pack --silent "$spec" >/dev/null 2>&1) && ok=1
fi
if [ "$ok" = 0 ] && command -v curl >/dev/null 2>&1; then
  timeout 180 curl -fsSL -o "$tmp/face-api-1.7.15.tgz" \
    "https://registry.npmjs.org/@vladmandic/face-api/-/face-api-1.7.15.tgz" 2>/dev/null && ok=1
fi
tgz="$(ls "$tmp"/*.tgz 2>/dev/null | head -1)"
if [ "$ok" = 0 ] || [ -z "$tgz" ]; then
  echo "fetch_tfjs_models: could not download $spec (offline?); its tests will skip"
elif [ "$(sha1sum "$tgz" | cut -d' ' -f1)" != "$sha" ]; then
  echo "fetch_tfjs_models: $spec does not match SHA-1 $sha; left out, its tests will skip"
else
  for f in $files; do
    tar -xzf "$tgz" -C "$tmp" "package/$f" 2>/dev/null && mv "$tmp/package/$f" "$dir/" \
      || echo "fetch_tfjs_models: $spec has no $f"
  done
  echo "fetch_tfjs_models: $spec -> $dir ($models)"
fi
rm -rf "$tmp"
exit 0
