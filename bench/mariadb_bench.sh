#!/usr/bin/env bash
# Runs bench/mariadb_bench against a throw-away MariaDB server (6 GB buffer
# pool by default, so the 1,000,000-row data set and the baseline's copy
# beside it are served from memory, as in a sized production server), then
# stops the server by pid.
# Usage: bench/mariadb_bench.sh [BUILD_DIR] [--objects N] [--query-runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
build=build
if [[ $# -gt 0 && $1 != --* ]]; then build=$1; shift; fi
ninja -C "$build" bench/mariadb_bench >/dev/null
dir=$(mktemp -d /tmp/pedia-bench-mariadb.XXXXXX)
trap 'tests/lib/mariadb.sh stop "$dir" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
set -a
eval "$(PEDIA_MARIADB_BUFFER_POOL=${PEDIA_MARIADB_BUFFER_POOL:-6G} tests/lib/mariadb.sh start "$dir")"
set +a
mariadbd --version
"$build/bench/mariadb_bench" "$@"
