#!/usr/bin/env bash
# The checked-in completions and man pages match what the binary generates,
# parse in their shells, and complete what they should.
# Usage: generated_test.sh PEDIA SOURCE_ROOT FIXTURE_DIR
source "$(dirname "$0")/lib.sh"
pedia=$(realpath "$1")
src=$2
fixtures=$3
stale_hint="run scripts/update-generated.sh and commit the result"

for shell in bash zsh fish; do
  desc="completions/pedia.$shell is up to date"
  "$pedia" completion "$shell" >"$tmp/pedia.$shell"
  run diff -u "$src/completions/pedia.$shell" "$tmp/pedia.$shell"
  expect 0 || echo "  ($stale_hint)"
  desc="pedia completion $shell parses in $shell"
  if command -v "$shell" >/dev/null; then
    run "$shell" -n "$tmp/pedia.$shell"
    expect 0
  else
    out="$shell is not installed (scripts/install-deps.sh installs it)"
    checks=$((checks + 1))
    fail "$desc"
  fi
done

desc="man pages are up to date"
mkdir -p "$tmp/man"
run "$pedia" __man "$tmp/man"
expect 0
run diff -ru "$src/man" "$tmp/man"
expect 0 || echo "  ($stale_hint)"

desc="man pages render without groff warnings"
run bash -c "groff -man -ww -z $tmp/man/*.1 2>&1"
expect 0
checks=$((checks + 1))
if [[ -z $out ]]; then echo "ok: no groff warnings"; else fail "groff warnings"; fi

desc="every visible applet has a man page and the hidden one has none"
checks=$((checks + 1))
missing=""
for a in apiserver clustersynchro-manager controller-manager binding-apiserver plugin kubeconfig completion version; do
  [[ -f $tmp/man/pedia-$a.1 ]] || missing+=" $a"
done
if [[ -z $missing && ! -e $tmp/man/pedia-__man.1 ]]; then echo "ok: $desc"; else out="missing:$missing"; fail "$desc"; fi

# Bash completion, driven the way bash drives it.
complete_bash() {  # WORDS...: prints COMPREPLY for the last word
  bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    _pedia
    printf "%s\n" "${COMPREPLY[@]}"' _ "$tmp/pedia.bash" "$@"
}
desc="bash completes applet names"
run complete_bash pedia pl
expect 0 "plugin"
desc="bash completes plugin subcommands"
run complete_bash pedia plugin ""
expect 0 "list" "inspect" "validate"
desc="bash completes flags of a subcommand"
run complete_bash pedia plugin validate --
expect 0 "--storage-config" "--timeout" "--help"
desc="bash completes the choices of -o"
run complete_bash pedia plugin list -o ""
expect 0 "table" "json"
desc="bash completes --output=<choice>"
run complete_bash pedia version --output = j
expect 0 "json"
desc="bash completes applet flags through a symlink name"
run complete_bash /usr/bin/apiserver --storage-
expect 0 "--storage-name" "--storage-config"
desc="bash skips flag values while walking the tree"
run complete_bash pedia plugin -v 4 inspect -
expect 0 "--output"
desc="bash completes files for plugin inspect"
touch "$tmp/some-plugin.so"
run complete_bash pedia plugin inspect "$tmp/some-pl"
expect 0 "$tmp/some-plugin.so"

desc="pedia __complete storage-names lists built-ins and compatible plugins, without loading them"
export PEDIA_FIXTURE_MARKER=$tmp/loaded
run env STORAGE_PLUGINS="$fixtures" "$pedia" __complete storage-names
expect 0 "memory" "internal" "c-trivial" "open-crashes"
expect_not "abi-two"
checks=$((checks + 1))
if [[ ! -e $PEDIA_FIXTURE_MARKER ]]; then echo "ok: no plugin loaded"; else fail "__complete loaded a plugin"; fi
unset PEDIA_FIXTURE_MARKER

desc="bash completes --storage-name from built-ins and \$STORAGE_PLUGINS"
run env PATH="$(dirname "$pedia"):$PATH" STORAGE_PLUGINS="$fixtures" bash -c '
  source "$1"; COMP_WORDS=(pedia apiserver --storage-name ""); COMP_CWORD=3; _pedia
  printf "%s\n" "${COMPREPLY[@]}"' _ "$tmp/pedia.bash"
expect 0 "memory" "internal" "c-trivial"

desc="fish completes plugin subcommands"
if command -v fish >/dev/null; then
  run fish -c "source $tmp/pedia.fish; complete -C 'pedia plugin '"
  expect 0 "list" "inspect" "validate"
  desc="fish completes -o choices"
  run fish -c "source $tmp/pedia.fish; complete -C 'pedia plugin list -o '"
  expect 0 "table" "json"
fi

finish
