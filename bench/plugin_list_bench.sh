#!/usr/bin/env bash
# Start-up benchmarks of the multi-call binary (issue 2, Performance):
#   pedia plugin list over 100 plugin files   target < 50 ms
#   pedia version                             target < 10 ms
# Each is measured with hyperfine next to a baseline run in the same
# session (`ls -l` of the same directory; /bin/true), because this machine is
# noisy; the ratio is what to compare between runs.
# Usage: bench/plugin_list_bench.sh [BUILD_DIR]   (default: build; release: build-release)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
pedia=$build/pedia
fixtures=build/tests/plugins  # the fixtures are built by the developer build only
[[ -x $pedia ]] || { echo "no $pedia; build it first" >&2; exit 1; }
[[ -f $fixtures/valid-c.so ]] || { echo "no fixture plugins in $fixtures; run ninja -C build" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }

dir=$(mktemp -d "${TMPDIR:-/tmp}/pedia-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
# 100 plugin files: the fixtures over and over (valid, incompatible, invalid).
mapfile -t sources < <(ls "$fixtures"/*.so)
for i in $(seq -w 1 100); do cp "${sources[$((10#$i % ${#sources[@]}))]}" "$dir/plugin-$i.so"; done
[[ $("$pedia" plugin list --dir "$dir" | wc -l) == 101 ]] || { echo "plugin list did not list 100 files" >&2; exit 1; }

hyperfine -N --warmup 20 --runs 200 --export-json "$dir/list.json" \
  -n "ls -l (baseline)" "ls -l $dir" \
  -n "pedia plugin list (100 files)" "$pedia plugin list --dir $dir" >/dev/null 2>"$dir/hyperfine.log"
hyperfine -N --warmup 20 --runs 300 --export-json "$dir/version.json" \
  -n "/bin/true (baseline)" "/bin/true" \
  -n "pedia version" "$pedia version" >/dev/null 2>>"$dir/hyperfine.log"

python3 - "$dir/list.json" "$dir/version.json" <<'PY'
import json, sys
targets = {"pedia plugin list (100 files)": 50.0, "pedia version": 10.0}
for path in sys.argv[1:]:
    results = json.load(open(path))["results"]
    base = results[0]
    for r in results:
        line = f"{r['command']:<32} mean {r['mean']*1e3:7.2f} ms  median {r['median']*1e3:7.2f} ms  " \
               f"stddev {r['stddev']*1e3:5.2f} ms"
        if r is not base:
            line += f"  = {r['mean']/base['mean']:5.1f}x {base['command']}"
            t = targets.get(r["command"])
            if t is not None:
                line += f"  target < {t:.0f} ms: {'met' if r['median']*1e3 < t else 'MISSED'}"
        print(line)
PY
