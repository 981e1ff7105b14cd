#!/bin/sh
# Writes the build-info header: gen-build-info.sh SOURCE_ROOT OUTPUT VERSION
# buildDate is the commit date, so rebuilding the same commit is reproducible.
src=$1; out=$2; version=$3
commit=$(git -C "$src" rev-parse --verify -q HEAD 2>/dev/null || echo unknown)
describe=$(git -C "$src" describe --tags --always 2>/dev/null || echo "")
date=$(git -C "$src" log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo 1970-01-01T00:00:00Z)
if [ -n "$(git -C "$src" status --porcelain 2>/dev/null)" ]; then state=dirty; else state=clean; fi
case "$describe" in v*) gitversion=$describe ;; *) gitversion="v$version" ;; esac
tmp="$out.tmp"
cat > "$tmp" <<EOT
#define PEDIA_GIT_VERSION "$gitversion"
#define PEDIA_GIT_COMMIT "$commit"
#define PEDIA_GIT_TREE_STATE "$state"
#define PEDIA_BUILD_DATE "$date"
EOT
if cmp -s "$tmp" "$out"; then rm -f "$tmp"; else mv "$tmp" "$out"; fi
