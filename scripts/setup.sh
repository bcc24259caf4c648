#!/usr/bin/env bash
# One-time, idempotent setup shared by `npm run demo` and `npm test`:
# Node >= 22, npm dependencies (CPU builds only), the Python worker's venv and the default models.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export ONNXRUNTIME_NODE_INSTALL=skip NODE_LLAMA_CPP_SKIP_DOWNLOAD=true
"$root/scripts/node-path.sh" >/dev/null
stamp=node_modules/.attune-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "attune: installing npm dependencies…" >&2
  # not `npm ci`: some optional per-platform packages (lancedb, node-llama-cpp) are not published
  # for every version, which `npm ci` rejects and `npm install` skips; the lock is still honoured
  npm install --no-audit --no-fund >&2
  echo "$want" > "$stamp"
fi
bash scripts/with-node.sh src/cli/main.ts models pull --quiet-if-cached
