# Helpers for the CLI tests: run a command, check its exit code and output.
# Each test script sources this, calls the checks, and ends with `finish`.
set -u
failures=0
checks=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pedia-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# run CMD...: runs it, capturing stdout+stderr in $out and the exit code in $rc.
run() {
  out=$("$@" 2>&1)
  rc=$?
}

fail() {
  failures=$((failures + 1))
  echo "FAIL: $*"
  echo "  command output was:"
  printf '%s\n' "$out" | sed 's/^/    | /' | head -40
}

# expect RC SUBSTRING... : the last run exited RC and printed every SUBSTRING.
expect() {
  local want=$1
  shift
  checks=$((checks + 1))
  if [[ $rc != "$want" ]]; then
    fail "$desc: exit code $rc, want $want"
    return 1
  fi
  local s
  for s in "$@"; do
    if [[ $out != *"$s"* ]]; then
      fail "$desc: output lacks \"$s\""
      return 1
    fi
  done
  echo "ok: $desc"
}

# expect_not SUBSTRING: the last run did not print SUBSTRING.
expect_not() {
  checks=$((checks + 1))
  if [[ $out == *"$1"* ]]; then fail "$desc: output contains \"$1\""; else echo "ok: $desc (without \"$1\")"; fi
}

finish() {
  echo "$checks checks, $failures failed"
  [[ $failures == 0 ]]
}
