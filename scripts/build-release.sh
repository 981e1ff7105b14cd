#!/usr/bin/env bash
# Builds the release binary: every third-party library and libstdc++ linked
# statically, glibc dynamic (design.md §2.4), against the minimal libcurl of
# scripts/build-static-curl.sh.  Fails unless ldd lists only libc, the vDSO
# and the dynamic loader.
# Usage: scripts/build-release.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: scripts/build-release.sh BUILD_DIR}
start=$(date +%s)

scripts/build-static-curl.sh
export PKG_CONFIG_PATH=$PWD/.deps/curl-min/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}

if [[ ! -f $build/build.ninja ]]; then
  # The release build needs neither the unit tests nor the fixtures.
  meson setup "$build" -Dstatic_release=true -Dtests=false --buildtype=release >/dev/null
fi
ninja -C "$build" -j2 pedia

binary=$build/pedia
echo "build-release: $(ldd "$binary" | wc -l) entries in ldd:"
ldd "$binary" | sed 's/^/  /'
unexpected=$(ldd "$binary" | grep -Ev '^\s*(linux-vdso\.so\.1|libc\.so\.6|/lib64/ld-linux-x86-64\.so\.2|/lib/ld-linux-aarch64\.so\.1)\b' || true)
if [[ -n $unexpected ]]; then
  echo "build-release: error: the release binary links shared libraries other than glibc:" >&2
  echo "$unexpected" >&2
  exit 1
fi
# The host must not export symbols for plugins to bind to (no -rdynamic).
exported=$(nm -D --defined-only "$binary" | grep -cv ' _\(IO_stdin_used\|_bss_start\|edata\|end\)$' || true)
"$binary" version >/dev/null
# The point of glibc staying dynamic: plugins (here built against the shared
# libstdc++ by the developer build) load into the static-libstdc++ host.
fixtures=${PEDIA_FIXTURE_PLUGINS:-build/tests/plugins}
if [[ -f $fixtures/memory-plugin.so ]]; then
  "$binary" plugin validate "$fixtures/memory-plugin.so" >"$build/validate-memory-plugin.log" ||
    { cat "$build/validate-memory-plugin.log" >&2; echo "build-release: error: memory-plugin fails validation" >&2; exit 1; }
  echo "build-release: $(tail -1 "$build/validate-memory-plugin.log") validating memory-plugin with the release binary"
else
  echo "build-release: $fixtures/memory-plugin.so not built; skipped the plugin smoke test"
fi
echo "build-release: $binary: $(du -k "$binary" | cut -f1) KB, $exported defined dynamic symbols, built in $(($(date +%s) - start)) s"
