#!/usr/bin/env bash
# Vendor the jsQR decoder the door page falls back on where the browser has no BarcodeDetector
# (iOS Safari, Firefox). Fetched from the npm registry with `npm pack` at a pinned version and
# committed under eventsite/static/vendor/jsqr/ with its licence; run again only to upgrade.
set -euo pipefail
VERSION="${JSQR_VERSION:-1.4.0}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/eventsite/static/vendor/jsqr"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack "jsqr@$VERSION" --silent >/dev/null)
tar -xzf "$WORK/jsqr-$VERSION.tgz" -C "$WORK"
mkdir -p "$DEST"
cp "$WORK/package/dist/jsQR.js" "$DEST/jsQR.js"
cp "$WORK/package/LICENSE" "$DEST/LICENSE"
INTEGRITY="$(npm view "jsqr@$VERSION" dist.integrity)"
cat > "$DEST/VERSION" <<INFO
jsqr $VERSION (npm registry, dist/jsQR.js)
integrity $INTEGRITY
sha256 $(sha256sum "$DEST/jsQR.js" | cut -d' ' -f1)
INFO
echo "jsQR $VERSION -> $DEST"
