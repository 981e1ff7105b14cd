#!/usr/bin/env bash
# Rewrites the files generated from the CLI definition: completions/pedia.*
# and man/pedia*.1.  Run after adding or changing a flag; tests/cli/
# generated_test.sh fails while they are stale.
# Usage: scripts/update-generated.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
[[ -f $build/build.ninja ]] || meson setup "$build" >/dev/null
ninja -C "$build" pedia >/dev/null
pedia=$build/pedia
mkdir -p completions man
"$pedia" completion bash >completions/pedia.bash
"$pedia" completion zsh >completions/pedia.zsh
"$pedia" completion fish >completions/pedia.fish
rm -f man/pedia*.1
"$pedia" __man man
echo "update-generated: wrote completions/pedia.{bash,zsh,fish} and $(ls man/*.1 | wc -l) man pages"
