#!/usr/bin/env bash
# Runs a script with a Node >= 22.18 (type stripping, node:sqlite): the system one when
# it is new enough, else the Node 24 LTS that scripts/setup.sh provisioned.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
node_bin=$("$here/node-path.sh")
# glibc's malloc keeps up to 8 arenas per core for the native threads of LanceDB, onnxruntime and llama.cpp;
# a long-running server fragments them (BENCHMARKS.md, "Load: 30 minutes … cache bound filled"). 2 unless set.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec "$node_bin" --disable-warning=ExperimentalWarning "$@"
