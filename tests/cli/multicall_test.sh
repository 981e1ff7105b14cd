#!/usr/bin/env bash
# The multi-call binary: applet resolution, --help, --version, version -o json.
# Usage: multicall_test.sh PEDIA
source "$(dirname "$0")/lib.sh"
pedia=$(realpath "$1")

desc="pedia --help lists every applet"
run "$pedia" --help
expect 0 "Usage:" "apiserver" "clustersynchro-manager" "controller-manager" "binding-apiserver" "plugin" \
  "completion" "version"

desc="pedia without arguments prints usage to stderr and exits 2"
run "$pedia"
expect 2 "Usage:"

desc="unknown applet: exit 127 with a suggestion"
run "$pedia" verson
expect 127 'pedia: unknown command "verson"' "Did you mean this?" "version"

desc="unknown applet without a close match"
run "$pedia" zzzzzzzzzz
expect 127 'unknown command "zzzzzzzzzz"'
expect_not "Did you mean"

desc="--version prints one line"
run "$pedia" --version
expect 0 "pedia v"
checks=$((checks + 1))
if [[ $(wc -l <<<"$out") == 1 ]]; then echo "ok: one line"; else fail "--version printed $(wc -l <<<"$out") lines"; fi

desc="every applet takes --version"
run "$pedia" plugin --version
expect 0 "pedia v"

desc="pedia version prints the fields"
run "$pedia" version
expect 0 "git commit:" "build date:" "compiler:" "platform:" "storage ABI:  1.0"

desc="pedia version -o json has the kubectl /version fields plus storageAbi"
run "$pedia" version -o json
expect 0 '"gitVersion"' '"gitCommit"' '"buildDate"' '"compiler"' '"platform"' '"storageAbi":"1.0"'
checks=$((checks + 1))
if python3 -c '
import json, sys
d = json.load(sys.stdin)
for k in ("gitVersion", "gitCommit", "buildDate", "compiler", "platform", "storageAbi"):
    assert isinstance(d[k], str) and d[k], k
assert d["storageAbi"].count(".") == 1' <<<"$out"; then echo "ok: version JSON parses"; else fail "version JSON"; fi

desc="symlink named after an applet"
ln -s "$pedia" "$tmp/version"
run "$tmp/version" -o json
expect 0 '"storageAbi"'

desc="symlink pedia-<applet>"
ln -s "$pedia" "$tmp/pedia-plugin"
run "$tmp/pedia-plugin" list --dir "$tmp"
expect 0 "No storage plugins"

desc="symlink clusterpedia-<applet>"
ln -s "$pedia" "$tmp/clusterpedia-version"
run "$tmp/clusterpedia-version"
expect 0 "storage ABI:"

desc="the build directory's applet symlinks"
for a in apiserver clustersynchro-manager controller-manager binding-apiserver; do
  link=$(dirname "$pedia")/$a
  desc="build symlink $a"
  run "$link" --help
  expect 0 "Usage:"
done

desc="klog's -v=4 spelling is accepted"
run "$pedia" plugin -v=4 list --dir "$tmp"
expect 0 "No storage plugins"

desc="--v=11 is out of range"
run "$pedia" plugin --v=11 list --dir "$tmp"
expect 2 "error"

desc="an unknown flag is a usage error"
run "$pedia" version --no-such-flag
expect 2 "no-such-flag"

desc="pedia plugin without a subcommand is a usage error"
run "$pedia" plugin
expect 2 "subcommand"

finish
