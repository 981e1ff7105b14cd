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

# The human-readable version lines: issue 2 asks `pedia version` and
# `--version` on every applet for the version, git commit, build date,
# compiler, platform and storage ABI.
abi=$(sed -n 's/^#define PEDIA_STORAGE_ABI_\(MAJOR\|MINOR\) \([0-9]*\).*/\2/p' \
  "$(dirname "$0")/../../include/pedia/storage_abi.h" | paste -sd.)
version_fields=("pedia v" "git commit:   " "build date:   " "compiler:     " "platform:     " "storage ABI:  $abi")
# expect_version_fields: the last run printed exactly the six lines, each with a value.
expect_version_fields() {
  expect 0 "${version_fields[@]}" || return
  checks=$((checks + 1))
  if [[ $(wc -l <<<"$out") == 6 ]] && ! grep -Eq ':[[:space:]]*$' <<<"$out"; then
    echo "ok: $desc: six filled lines"
  else fail "$desc: want six lines with a value each"; fi
}

desc="pedia version prints the fields"
run "$pedia" version
expect_version_fields
version_out=$out

desc="pedia --version prints the fields"
run "$pedia" --version
expect_version_fields
checks=$((checks + 1))
if [[ $out == "$version_out" ]]; then echo "ok: --version is pedia version"; else fail "--version differs from pedia version"; fi

for a in apiserver clustersynchro-manager controller-manager binding-apiserver plugin kubeconfig completion version; do
  desc="pedia $a --version prints the fields"
  run "$pedia" "$a" --version
  expect_version_fields
  desc="pedia $a --version after other flags prints the fields"
  run "$pedia" "$a" -v=2 --version
  expect_version_fields
done

mkdir "$tmp/links"
for link in apiserver pedia-clustersynchro-manager clusterpedia-controller-manager binding-apiserver pedia-plugin; do
  ln -s "$pedia" "$tmp/links/$link"
  desc="--version through the argv[0] symlink $link"
  run "$tmp/links/$link" --version
  expect_version_fields
done

desc="--version=raw prints the version JSON"
run "$pedia" apiserver --version=raw
expect 0 '"gitVersion"' '"gitCommit"' '"buildDate"' '"compiler"' '"platform"' "\"storageAbi\":\"$abi\""
checks=$((checks + 1))
if [[ $(wc -l <<<"$out") == 1 ]] && python3 -c 'import json,sys; json.load(sys.stdin)' <<<"$out"; then
  echo "ok: --version=raw is one JSON line"; else fail "--version=raw is not one JSON line"; fi

desc="pedia version -o json has the kubectl /version fields plus storageAbi"
run "$pedia" version -o json
expect 0 '"gitVersion"' '"gitCommit"' '"buildDate"' '"compiler"' '"platform"' "\"storageAbi\":\"$abi\""
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

for a in apiserver clustersynchro-manager controller-manager binding-apiserver plugin kubeconfig completion version; do
  desc="pedia $a --help exits 0"
  run "$pedia" "$a" --help
  expect 0 "Usage:"
done
for a in list inspect validate; do
  desc="pedia plugin $a --help exits 0"
  run "$pedia" plugin "$a" --help
  expect 0 "Usage:"
done
desc="pedia --help names exactly the applets checked above"
run "$pedia" --help
checks=$((checks + 1))
listed=$(sed -n '/^Commands:/,/^$/p' <<<"$out" | awk 'NR > 1 && NF {print $1}' | paste -sd' ')
if [[ $listed == "apiserver clustersynchro-manager controller-manager binding-apiserver plugin kubeconfig completion version" ]]; then
  echo "ok: $desc"; else fail "$desc: pedia --help lists: $listed"; fi

desc="controller-manager parses its flags, then refuses to run"
run "$pedia" controller-manager
expect 1 "pedia controller-manager: error: controller-manager is not implemented yet"
desc="controller-manager is not implemented, also with valid flags"
run "$pedia" controller-manager -v=2 --feature-gates=AllowSyncAllResources=true --kubeconfig "$tmp/nowhere"
expect 1 "controller-manager is not implemented yet"
desc="controller-manager through its build symlink"
run "$(dirname "$pedia")/controller-manager"
expect 1 "controller-manager: error: controller-manager is not implemented yet"
desc="controller-manager rejects an unknown flag before anything else"
run "$pedia" controller-manager --no-such-flag
expect 2 "no-such-flag"
expect_not "not implemented"

desc="an empty --flag= value is empty, as in pflag, and does not swallow the next argument"
run "$pedia" controller-manager --feature-gates= -v 2 --kubeconfig=
expect 1 "controller-manager is not implemented yet"
expect_not "not expected"

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
