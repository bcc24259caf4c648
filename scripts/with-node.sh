#!/usr/bin/env bash
# Runs a script with a Node >= 22.18 (type stripping, node:sqlite): the system one when
# it is new enough, else the Node 24 LTS that scripts/setup.sh provisioned.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
node_bin=$("$here/node-path.sh")
exec "$node_bin" --disable-warning=ExperimentalWarning "$@"
