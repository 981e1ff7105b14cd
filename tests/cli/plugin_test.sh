#!/usr/bin/env bash
# `pedia plugin list | inspect | validate` over every fixture plugin.
# Usage: plugin_test.sh PEDIA FIXTURE_DIR
source "$(dirname "$0")/lib.sh"
pedia=$1
fixtures=$2
# This pedia's storage ABI, "MAJOR.MINOR", from the header it was built with.
abi=$(sed -n 's/^#define PEDIA_STORAGE_ABI_\(MAJOR\|MINOR\) \([0-9]*\).*/\2/p' \
  "$(dirname "$0")/../../include/pedia/storage_abi.h" | paste -sd.)

# --- list
desc="list needs a directory"
run env -u STORAGE_PLUGINS "$pedia" plugin list
expect 2 "no plugin directory given" "HINT:  Pass --dir DIR or set STORAGE_PLUGINS."

desc="list shows every fixture with its status"
run "$pedia" plugin list --dir "$fixtures"
expect 0 "NAME" "VERSION" "ABI" "STATUS" "PATH"
for pair in "c-trivial ok" "abi-two incompatible" "abi-newer incompatible" "abi-older ok" "open-fails ok"; do
  set -- $pair
  desc="list: $1 is $2"
  checks=$((checks + 1))
  if grep -Eq "^$1 +[^ ]+ +[^ ]+ +$2 " <<<"$out"; then echo "ok: $desc"; else fail "$desc"; fi
done
desc="list: a file without manifest is invalid"
checks=$((checks + 1))
if grep -Eq "^- +- +- +invalid +.*missing-manifest.so$" <<<"$out"; then echo "ok: $desc"; else fail "$desc"; fi

desc="list reads \$STORAGE_PLUGINS and prints JSON"
run env STORAGE_PLUGINS="$fixtures" "$pedia" plugin list -o json
expect 0 '"name":"c-trivial"' '"status":"ok"' '"abi":"2.0","status":"incompatible"'
checks=$((checks + 1))
if python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["plugins"]) >= 12' <<<"$out"; then
  echo "ok: list -o json parses"; else fail "list -o json does not parse"; fi

desc="list never runs plugin code (open-crashes and entry-null are listed, not run)"
run "$pedia" plugin list --dir "$fixtures"
expect 0 "open-crashes" "entry-null"
expect_not "refusing to run"

# valid-c.so's ELF constructor creates $PEDIA_FIXTURE_MARKER when it is loaded.
export PEDIA_FIXTURE_MARKER=$tmp/loaded
for cmd in "list --dir $fixtures" "list -o json --dir $fixtures" "inspect $fixtures/valid-c.so" \
  "inspect -o json $fixtures/valid-c.so"; do
  desc="plugin $cmd does not dlopen"
  rm -f "$PEDIA_FIXTURE_MARKER"
  run "$pedia" plugin $cmd
  checks=$((checks + 1))
  if [[ $rc == 0 && ! -e $PEDIA_FIXTURE_MARKER ]]; then echo "ok: $desc"; else fail "$desc (rc $rc)"; fi
done
desc="plugin validate does load it (the marker check can fail)"
rm -f "$PEDIA_FIXTURE_MARKER"
run "$pedia" plugin validate "$fixtures/valid-c.so"
checks=$((checks + 1))
if [[ -e $PEDIA_FIXTURE_MARKER ]]; then echo "ok: $desc"; else fail "$desc"; fi
unset PEDIA_FIXTURE_MARKER

desc="list of an empty directory"
mkdir -p "$tmp/empty"
run "$pedia" plugin list --dir "$tmp/empty"
expect 0 "No storage plugins in"

# --- inspect
desc="inspect a valid plugin"
run "$pedia" plugin inspect "$fixtures/valid-c.so"
expect 0 "Name:             c-trivial" "Version:          0.1.0" "Storage ABI:      $abi" "Build ID:" \
  "Exported symbols: pedia_storage_plugin_entry" "Compatible:       yes" '"fixture":"c-trivial"'

desc="inspect -o json"
run "$pedia" plugin inspect -o json "$fixtures/valid-c.so"
expect 0 '"name":"c-trivial"' '"version":"0.1.0"' "\"abi\":\"$abi\"" '"compatible":true' '"exportedSymbols":["pedia_storage_plugin_entry"]'
checks=$((checks + 1))
if python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["buildInfo"]["fixture"] == "c-trivial"' <<<"$out"; then
  echo "ok: inspect -o json parses"; else fail "inspect -o json does not parse"; fi

desc="inspect an ABI 2.0 plugin"
run "$pedia" plugin inspect -o json "$fixtures/abi-major-mismatch.so"
expect 1 '"abi":"2.0"' '"compatible":false' 'storage ABI version mismatch'

desc="inspect a plugin for a newer minor"
run "$pedia" plugin inspect "$fixtures/newer-minor.so"
expect 1 "Compatible:       no" "requires a newer pedia" "Plugin needs storage ABI 1.5, this pedia provides $abi."

desc="inspect a plugin built for an older minor (1.0): compatible"
run "$pedia" plugin inspect -o json "$fixtures/older-minor.so"
expect 0 '"name":"abi-older"' '"abi":"1.0"' '"compatible":true'

desc="inspect a file without manifest"
run "$pedia" plugin inspect "$fixtures/missing-manifest.so"
expect 1 "Manifest:         (none)" "missing storage plugin manifest" "PEDIA_STORAGE_PLUGIN_MANIFEST"

desc="inspect the undefined-symbol plugin (never loads it)"
run "$pedia" plugin inspect "$fixtures/undefined-symbol.so"
expect 0 "Compatible:       yes"

desc="inspect a text file"
printf '%s\n' "this is a text file and not a plugin, long enough to hold an ELF header" >"$tmp/text.so"
run "$pedia" plugin inspect "$tmp/text.so"
expect 1 "not a shared object for this platform" "DETAIL:  The file is not an ELF file."

desc="inspect a truncated plugin"
head -c 3000 "$fixtures/valid-c.so" >"$tmp/truncated.so"
run "$pedia" plugin inspect "$tmp/truncated.so"
expect 1 "damaged ELF file" "beyond the end of the file"

desc="inspect a missing file"
run "$pedia" plugin inspect "$tmp/nope.so"
expect 2 "nope.so"

# --- validate: each failure mode stops at its step with its message
v() { run "$pedia" plugin validate --timeout "${timeout:-20s}" "$@"; }

desc="validate: missing manifest"
v "$fixtures/missing-manifest.so"
expect 1 "ok      ELF shared object for this platform" "FAILED  storage plugin manifest" \
  "missing storage plugin manifest" "HINT:  Storage plugins must use the PEDIA_STORAGE_PLUGIN_MANIFEST macro."

desc="validate: ABI major mismatch"
v "$fixtures/abi-major-mismatch.so"
expect 1 "FAILED  storage ABI version" "storage ABI version mismatch" \
  "DETAIL:  pedia supports storage ABI 1.0 to $abi, the plugin was built for 2.0." \
  "HINT:  Rebuild the plugin against include/pedia/storage_abi.h"
expect_not "dlopen"

desc="validate: newer minor"
v "$fixtures/newer-minor.so"
expect 1 "requires a newer pedia" "DETAIL:  Plugin needs storage ABI 1.5, this pedia provides $abi."

desc="validate: a plugin built for ABI 1.0 passes every loader check and opens (older minor)"
v "$fixtures/older-minor.so"
expect 1 "ok      storage ABI version" "ok      dlopen" "ok      entry point" "ok      plugin table" \
  "ok      open with the storage config" "ok      close"

desc="validate: undefined symbol"
v "$fixtures/undefined-symbol.so"
expect 1 "FAILED  dlopen" "could not load plugin" "undefined symbol: pedia_fixture_function_defined_nowhere"

desc="validate: missing entry point"
v "$fixtures/missing-entry.so"
expect 1 "ok      dlopen" "FAILED  entry point" "no entry point \"pedia_storage_plugin_entry\" in plugin"

desc="validate: entry returns NULL"
v "$fixtures/entry-null.so"
expect 1 "FAILED  entry point" "returned no storage layer" "fixture: refusing to run in any host"

desc="validate: stale manifest"
v "$fixtures/stale-manifest.so"
expect 1 "FAILED  plugin table" "plugin manifest does not match its code" "\"renamed\""

desc="validate: truncated table"
v "$fixtures/truncated-table.so"
expect 1 "FAILED  plugin table" "plugin vtable is truncated"

desc="validate: open fails"
v "$fixtures/open-fails.so"
expect 1 "ok      plugin table" "FAILED  open with the storage config" "this layer always refuses its configuration"

desc="validate: crash in open is reported, not fatal"
v "$fixtures/open-crashes.so"
expect 1 "FAILED  open with the storage config" "the plugin crashed with signal 11 (Segmentation fault)" \
  "failed validation"

desc="validate: hang in open is killed after --timeout"
start=$(date +%s)
timeout=1s v "$fixtures/open-hangs.so"
expect 1 "FAILED  open with the storage config" "did not finish within 1s" "raise --timeout"
checks=$((checks + 1))
if (($(date +%s) - start < 10)); then echo "ok: hang killed promptly"; else fail "hang took $(($(date +%s) - start))s"; fi

desc="validate: extra exported symbols are a warning, not a failure"
v "$fixtures/extra-exports.so"
expect 1 "warning exports only pedia_storage_plugin_entry" "the plugin also exports pedia_fixture_helper" \
  "HINT:  Link with -Wl,--version-script" ", 1 warning"
desc="validate: no warning for a plugin linked with plugin.map"
v "$fixtures/valid-c.so"
expect_not "warning"

desc="validate: a helper process forked by the plugin does not keep validate waiting"
start=$(date +%s)
v "$fixtures/open-forks.so"
expect 1 "ok      open with the storage config" "ok      close"
checks=$((checks + 1))
if (($(date +%s) - start < 10)); then echo "ok: returned promptly"; else fail "validate waited $(($(date +%s) - start))s"; fi

desc="validate: a bad --timeout"
run "$pedia" plugin validate --timeout soon "$fixtures/valid-c.so"
expect 2 "invalid --timeout \"soon\""

desc="validate: the trivial C plugin passes the loader and open, and the conformance suite runs"
v "$fixtures/valid-c.so"
expect 1 "ok      plugin table" "ok      open with the storage config" "ok      close"
checks=$((checks + 1))
if grep -q "^FAILED" <<<"$out"; then echo "ok: conformance fails for a layer that stores nothing"; else
  fail "conformance passed for a layer that stores nothing"; fi

desc="validate: --storage-config must exist"
v --storage-config "$tmp/missing.yaml" "$fixtures/valid-c.so"
expect 2 "missing.yaml"

desc="validate: memory-plugin passes the whole conformance suite"
if [[ -f $fixtures/memory-plugin.so ]]; then
  v "$fixtures/memory-plugin.so"
  expect 0 "ok      open with the storage config" "ok      close" " 0 failed"
else
  checks=$((checks + 1))
  out="(not built)"
  fail "$desc: $fixtures/memory-plugin.so was not built (src/storage/memory/memory_layer.h is missing)"
fi

finish
